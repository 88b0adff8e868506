#!/usr/bin/python3
'''`fotakit smp --conn ble:` against BlueZ mocked by python3-dbusmock.

A private system bus; dbusmock's bluez5 template for adapters and devices;
the GATT objects BlueZ would create (GattService1, GattCharacteristic1 with
AcquireWrite/AcquireNotify, or only WriteValue/StartNotify) added by this
test with org.freedesktop.DBus.Mock.AddObject. The characteristic forwards
its ATT writes and notifications to a virtual device (`fotakit device run
--ble`, bluez_gatt_fwd.py). No radio is involved.

Checks: no adapter, device not found, not connectable, characteristic
missing (each: exit 2 and the sentence), then image list by name, an upload
cut mid-way (exit 1, how to resume), the same upload resumed, test, reset,
confirm over the acquired sockets, and image list over WriteValue +
StartNotify signals.

usage: bluez_dbusmock.py FOTAKIT SHARED_DIR
'''
import os
import subprocess
import sys
import tempfile
import time

import dbus
import dbusmock

FOTAKIT, SHARED = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(SHARED, 'layouts', 'nrf5340-spi-nor-2mb')
KEY = os.path.join(SHARED, 'vectors', 'imgtool', 'ecdsa-p256.pem')
SVC_UUID = '8d53dc1d-1db7-4cd3-868b-8a527460aa84'
CHR_UUID = 'da2e7828-fbce-4e01-ae9e-261174997c48'
MOCK = 'org.freedesktop.DBus.Mock'

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what, flush=True)


def fk(*args, timeout=60):
    p = subprocess.run([FOTAKIT] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def smp(conn, *args):
    return fk('smp', '--conn', conn, '--timeout', '3000', *args)


def sign(tmp, name, version, size, seed):
    raw = os.path.join(tmp, name + '.bin')
    with open(raw, 'wb') as f:
        f.write(bytes((i * seed + (i >> 8)) & 0xff for i in range(size)))
    out = os.path.join(tmp, name + '.signed.bin')
    rc, o = fk('image', 'sign', '-k', KEY, '-v', version, '-H', '0x200', '--pad-header', '--align', '4',
               '-S', '0xe8000', '-M', '232', raw, out)
    if rc:
        sys.exit('cannot sign: ' + o)
    return out


def main():
    tmp = tempfile.mkdtemp(prefix='fotakit-bluez-')
    v1 = sign(tmp, 'v1', '1.0.0', 20000, 3)
    v2 = sign(tmp, 'v2', '2.0.0', 60000, 5)
    state = os.path.join(tmp, 'state')
    rc, o = fk('device', 'flash', '--layout', SEED + '.pm_static.yml', '--board', SEED + '.board.yml',
               '--state', state, v1)
    check(rc == 0, 'device flash: ' + o)
    sock = os.path.join(tmp, 'ble.sock')
    log = open(os.path.join(tmp, 'device.log'), 'w')
    dev = subprocess.Popen([FOTAKIT, 'device', 'run', '--layout', SEED + '.pm_static.yml', '--board',
                            SEED + '.board.yml', '--state', state, '--key', KEY, '--ble', sock],
                           stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        os.environ['FK_BLESIM'] = sock
        run(tmp, v2)
    finally:
        dev.terminate()
        dev.wait(timeout=10)
        log.close()
    if failures:
        with open(os.path.join(tmp, 'device.log')) as f:
            print(f.read()[-3000:])
        print(len(failures), 'failure(s)')
        sys.exit(1)
    print('ok')


def add_gatt(bus, dev_path, acquire):
    root = dbus.Interface(bus.get_object('org.bluez', '/'), MOCK)
    svc = dev_path + '/service0010'
    chrp = svc + '/char0011'
    root.AddObject(svc, 'org.bluez.GattService1',
                   {'UUID': SVC_UUID, 'Device': dbus.ObjectPath(dev_path), 'Primary': True}, [])
    pre = f'import sys; sys.path.insert(0, {HERE!r}); import bluez_gatt_fwd as F; '
    methods = [('WriteValue', 'aya{sv}', '', pre + 'F.write(self, args[0])'),
               ('StartNotify', '', '', pre + 'F.start_notify(self)'),
               ('StopNotify', '', '', '')]
    if acquire:
        methods += [('AcquireWrite', 'a{sv}', 'hq', pre + 'ret = F.acquire_write(self)'),
                    ('AcquireNotify', 'a{sv}', 'hq', pre + 'ret = F.acquire_notify(self)')]
    root.AddObject(chrp, 'org.bluez.GattCharacteristic1',
                   {'UUID': CHR_UUID, 'Service': dbus.ObjectPath(svc),
                    'Flags': dbus.Array(['write-without-response', 'write', 'notify'], signature='s'),
                    'Value': dbus.Array([], signature='y'), 'Notifying': False,
                    'MTU': dbus.UInt16(247)}, methods)
    obj = dbus.Interface(bus.get_object('org.bluez', chrp), MOCK)
    obj.AddMethod('org.fotakit.Test', 'CutAfter', 'u', '', pre + 'F.cut_after(self, args[0])')
    obj.AddMethod('org.fotakit.Test', 'Cut', '', '', pre + 'F.cut(self)')
    return dbus.Interface(bus.get_object('org.bluez', chrp), 'org.fotakit.Test')


def connectable(bus, path):
    d = dbus.Interface(bus.get_object('org.bluez', path), MOCK)
    d.AddMethod('org.bluez.Device1', 'Connect', '', '',
                "self.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(True), 'ServicesResolved': dbus.Boolean(True)})")


def run(tmp, v2):
    dbusmock.DBusTestCase.start_system_bus()
    srv, obj = dbusmock.DBusTestCase.spawn_server_template('bluez5', {}, stdout=subprocess.DEVNULL)
    bus = dbusmock.DBusTestCase.get_dbus(True)
    bluez = dbus.Interface(obj, 'org.bluez.Mock')
    try:
        rc, o = smp('ble:C0:FF:EE:00:00:01', 'image', 'list')
        check(rc == 2 and 'no Bluetooth adapter' in o, 'no adapter: ' + o)

        bluez.AddAdapter('hci0', 'fotakit-ci')
        rc, o = smp('ble:C0:FF:EE:00:00:01', 'image', 'list')
        check(rc == 2 and 'device not found' in o, 'device not found: ' + o)

        plain = bluez.AddDevice('hci0', '11:22:33:44:55:66', 'plain-sensor')
        connectable(bus, plain)
        rc, o = smp('ble:plain-sensor', 'image', 'list')
        check(rc == 2 and 'no SMP characteristic' in o, 'characteristic missing: ' + o)

        far = bluez.AddDevice('hci0', '22:33:44:55:66:77', 'far-away')
        dbus.Interface(bus.get_object('org.bluez', far), MOCK).AddMethod(
            'org.bluez.Device1', 'Connect', '', '',
            "raise dbus.exceptions.DBusException('Page Timeout', name='org.bluez.Error.Failed')")
        rc, o = smp('ble:22:33:44:55:66:77', 'image', 'list')
        check(rc == 2 and 'cannot connect' in o and 'org.bluez.Error.Failed' in o, 'not connectable: ' + o)

        # the SMP device, with AcquireWrite/AcquireNotify
        path = bluez.AddDevice('hci0', 'C0:FF:EE:00:00:01', 'fotakit-dev')
        connectable(bus, path)
        chr_test = add_gatt(bus, path, acquire=True)
        rc, o = smp('ble:fotakit-dev', 'image', 'list')
        check(rc == 0 and '1.0.0' in o, 'image list by name: ' + o)

        # the link drops mid-upload, then the same command resumes
        chr_test.CutAfter(60)
        rc, o = smp('ble:C0:FF:EE:00:00:01', 'image', 'upload', v2, '--window', '3')
        check(rc != 0 and 'disconnected' in o and 'run the same command again' in o, 'cut upload: ' + o)
        rc, o = smp('ble:C0:FF:EE:00:00:01', 'image', 'upload', v2, '--window', '3')
        check(rc == 0 and 'resumed an interrupted upload at offset' in o, 'resumed upload: ' + o)
        h2 = next((w for w in o.split() if len(w) == 64), None)
        check(h2 is not None, 'upload prints the hash: ' + o)
        if h2:
            rc, o = smp('ble:C0:FF:EE:00:00:01', 'image', 'test', h2)
            check(rc == 0, 'image test: ' + o)
            rc, o = smp('ble:C0:FF:EE:00:00:01', 'reset')
            check(rc == 0, 'reset: ' + o)
            time.sleep(0.5)
            rc, o = smp('ble:C0:FF:EE:00:00:01', 'image', 'confirm')
            check(rc == 0, 'confirm: ' + o)
            rc, o = smp('ble:C0:FF:EE:00:00:01', 'image', 'list')
            check(rc == 0 and '2.0.0' in o and 'confirmed' in o, 'v2 runs confirmed: ' + o)

        # a BlueZ without the Acquire methods: WriteValue + StartNotify signals
        chr_test.Cut()
        time.sleep(0.2)
        path_b = bluez.AddDevice('hci0', 'C0:FF:EE:00:00:02', 'fotakit-dev-b')
        connectable(bus, path_b)
        add_gatt(bus, path_b, acquire=False)
        rc, o = smp('ble:C0:FF:EE:00:00:02', 'image', 'list')
        check(rc == 0 and '2.0.0' in o, 'image list over WriteValue/StartNotify: ' + o)
    finally:
        srv.terminate()
        srv.wait(timeout=10)
        dbusmock.DBusTestCase.tearDownClass()


if __name__ == '__main__':
    main()
