import { EBID_BYTES, HELLO_MAC_BYTES } from '@prostopcovid/contracts/robert';

/**
 * A queued report, compact (12 bytes per HELLO instead of about 100 in JSON):
 * repeated contact = EBID (8) ‖ ECC (1) ‖ n (2, big-endian) ‖ n × HELLO,
 * HELLO = timeCollectedOnDevice (4) ‖ timeFromHelloMessage (2) ‖ MAC (5) ‖ rssiCalibrated (1, signed).
 */
export interface QueuedHello {
  timeCollectedOnDevice: number;
  timeFromHelloMessage: number;
  mac: Buffer;
  rssiCalibrated: number;
}

export interface QueuedContact {
  ebid: Buffer;
  ecc: number;
  hellos: QueuedHello[];
}

const CONTACT_HEADER = EBID_BYTES + 1 + 2;
const HELLO_SIZE = 4 + 2 + HELLO_MAC_BYTES + 1;

export function encodeReport(contacts: readonly QueuedContact[]): Buffer {
  const size = contacts.reduce((n, c) => n + CONTACT_HEADER + c.hellos.length * HELLO_SIZE, 0);
  const out = Buffer.alloc(size);
  let at = 0;
  for (const contact of contacts) {
    contact.ebid.copy(out, at);
    out[at + EBID_BYTES] = contact.ecc;
    out.writeUInt16BE(contact.hellos.length, at + EBID_BYTES + 1);
    at += CONTACT_HEADER;
    for (const hello of contact.hellos) {
      out.writeUInt32BE(hello.timeCollectedOnDevice, at);
      out.writeUInt16BE(hello.timeFromHelloMessage, at + 4);
      hello.mac.copy(out, at + 6);
      out.writeInt8(hello.rssiCalibrated, at + 6 + HELLO_MAC_BYTES);
      at += HELLO_SIZE;
    }
  }
  return out;
}

export function decodeReport(payload: Buffer): QueuedContact[] {
  const contacts: QueuedContact[] = [];
  let at = 0;
  while (at < payload.length) {
    if (at + CONTACT_HEADER > payload.length) throw new RangeError('truncated report payload');
    const ebid = payload.subarray(at, at + EBID_BYTES);
    const ecc = payload[at + EBID_BYTES]!;
    const count = payload.readUInt16BE(at + EBID_BYTES + 1);
    at += CONTACT_HEADER;
    if (at + count * HELLO_SIZE > payload.length) throw new RangeError('truncated report payload');
    const hellos: QueuedHello[] = [];
    for (let i = 0; i < count; i++, at += HELLO_SIZE) {
      hellos.push({
        timeCollectedOnDevice: payload.readUInt32BE(at),
        timeFromHelloMessage: payload.readUInt16BE(at + 4),
        mac: payload.subarray(at + 6, at + 6 + HELLO_MAC_BYTES),
        rssiCalibrated: payload.readInt8(at + 6 + HELLO_MAC_BYTES),
      });
    }
    contacts.push({ ebid, ecc, hellos });
  }
  return contacts;
}
