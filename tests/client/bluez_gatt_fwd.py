# Loaded into the python3-dbusmock server process by the methods the test
# adds to a mocked org.bluez.GattCharacteristic1 (bluez_dbusmock.py): it
# plays the radio between BlueZ's D-Bus API and the virtual device, whose
# BLE link is a blesim socket (include/fotakit/host/blesim.h). ATT writes go
# to the device as they come (the device reassembles SMP packets); its
# notifications come back through the AcquireNotify socket or as Value
# PropertiesChanged signals after StartNotify. No radio anywhere.
import os
import socket
import struct
import threading
import time

import dbus
from gi.repository import GLib

MTU_REQ, MTU_RSP, WRITE_CMD, NOTIFY = 0x01, 0x02, 0x52, 0x1B
CHR = 'org.bluez.GattCharacteristic1'
MTU = 247  # what this "phone" negotiates


def _dev_path(obj):
    return '/'.join(obj.__dbus_object_path__.split('/')[:5])


def link(obj):
    st = getattr(obj, 'fk', None)
    if st:
        return st
    for _ in range(50):  # the device may still be dropping the previous link
        dev = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            dev.connect(os.environ['FK_BLESIM'])
            dev.send(bytes([MTU_REQ]) + struct.pack('<H', MTU))
            r = dev.recv(16)
        except OSError:
            r = b''
        if len(r) == 3 and r[0] == MTU_RSP:
            break
        dev.close()
        time.sleep(0.1)
    else:
        raise dbus.exceptions.DBusException('link refused', name='org.bluez.Error.Failed')
    st = {'dev': dev, 'mtu': min(MTU, struct.unpack('<H', r[1:3])[0]), 'nsock': None,
          'notifying': False, 'writes': 0, 'cut_after': 0, 'lock': threading.Lock()}
    obj.fk = st
    threading.Thread(target=_reader, args=(obj, st), daemon=True).start()
    return st


def _emit(obj, value):
    obj.UpdateProperties(CHR, {'Value': dbus.Array(value, signature='y')})
    return False


def _reader(obj, st):
    while True:
        try:
            m = st['dev'].recv(600)
        except OSError:
            break
        if not m:
            break
        if m[0] == NOTIFY:
            if st['nsock'] is not None:
                try:
                    st['nsock'].send(m[1:])
                except OSError:
                    pass
            elif st['notifying']:
                GLib.idle_add(_emit, obj, bytes(m[1:]))


def _disconnected(obj):
    from dbusmock import mockobject
    dev = mockobject.objects.get(_dev_path(obj))
    if dev is not None:
        dev.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(False), 'ServicesResolved': dbus.Boolean(False)})
    return False


def cut(obj):
    '''The link drops: sockets close, the device object says Connected=false.'''
    st = getattr(obj, 'fk', None)
    obj.fk = None
    if st:
        for s in (st['dev'], st['nsock']):
            if s is not None:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
    GLib.idle_add(_disconnected, obj)


def write(obj, data):
    st = link(obj)
    with st['lock']:
        st['writes'] += 1
        if st['cut_after'] and st['writes'] > st['cut_after']:
            cut(obj)
            raise dbus.exceptions.DBusException('Not connected', name='org.bluez.Error.NotConnected')
        st['dev'].send(bytes([WRITE_CMD]) + bytes(data))


def cut_after(obj, n):
    link(obj)['cut_after'] = int(n)


def acquire_write(obj):
    st = link(obj)
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)

    def pump():
        while True:
            try:
                d = mine.recv(600)
                if not d:
                    break
                write(obj, d)
            except (OSError, dbus.exceptions.DBusException):
                break
        mine.close()

    threading.Thread(target=pump, daemon=True).start()
    fd = dbus.types.UnixFd(theirs)
    theirs.close()
    return (fd, dbus.UInt16(st['mtu']))


def acquire_notify(obj):
    st = link(obj)
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    st['nsock'] = mine
    fd = dbus.types.UnixFd(theirs)
    theirs.close()
    return (fd, dbus.UInt16(st['mtu']))


def start_notify(obj):
    link(obj)['notifying'] = True
