/*
 * The blesim link: the SMP characteristic of the virtual device carried
 * over a local socket (AF_UNIX, SOCK_SEQPACKET: one message per ATT
 * operation), between `fotakit device run --ble SOCKET` and `fotakit smp
 * --conn blesim:SOCKET`. Each message is one type byte and its body:
 *
 *   FK_BLESIM_MTU_REQ   c->p  u16 LE: the client's receive MTU (23..517)
 *   FK_BLESIM_MTU_RSP   p->c  u16 LE: the device's; ATT_MTU = the smaller
 *   FK_BLESIM_WRITE_CMD c->p  value (write without response, <= ATT_MTU-3)
 *   FK_BLESIM_WRITE_REQ c->p  value (write with response)
 *   FK_BLESIM_WRITE_RSP p->c  u8: 0 accepted, else an ATT error code
 *   FK_BLESIM_NOTIFY    p->c  value (notification, <= ATT_MTU-3)
 *
 * Before an MTU exchange the ATT_MTU is 23. One client at a time; a second
 * one is refused (its socket closed). Closing the socket is a disconnect.
 * The device paces the link with the link model (fotakit/host/ble_link.h)
 * when it runs with --realtime (docs/ble.md).
 */
#ifndef FOTAKIT_HOST_BLESIM_H
#define FOTAKIT_HOST_BLESIM_H

#define FK_BLESIM_MTU_REQ 0x01
#define FK_BLESIM_MTU_RSP 0x02
#define FK_BLESIM_WRITE_CMD 0x52 /* the ATT opcodes, for readability in dumps */
#define FK_BLESIM_WRITE_REQ 0x12
#define FK_BLESIM_WRITE_RSP 0x13
#define FK_BLESIM_NOTIFY 0x1b
#define FK_BLESIM_MSG_MAX 600    /* type byte + the largest value (514) fits */
#define FK_BLESIM_ATT_ERR_BUSY 0x09  /* "prepare queue full"-like: another client owns SMP */
#define FK_BLESIM_ATT_ERR_LEN 0x0d   /* invalid attribute value length */

#endif
