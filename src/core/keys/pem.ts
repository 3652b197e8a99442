/**
 * PEM blocks found in a text, in one linear pass. A block is `-----BEGIN <LABEL>-----`, then everything up to the
 * first `-----END ` marker, which must name the same label; a BEGIN met before that END abandons the block, as
 * does an END of another label (Go's encoding/pem skips such blocks too). A regex with a lazy body and a
 * back-reference rescans the rest of the text from every BEGIN that has no END, which made a megabyte of BEGIN
 * lines take half a minute; here the next BEGIN and END markers are looked up once per position, moving forward only.
 */
export interface PemBlock {
  /** `CERTIFICATE`, `PUBLIC KEY`, `RSA PRIVATE KEY`, … */
  label: string;
  /** Everything between the BEGIN and END lines (headers, base64, line breaks). */
  body: string;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let nextBegin = -1;
  let nextEnd = -1;
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin === -1) break;
    const labelEnd = scanLabel(text, begin + BEGIN.length);
    if (labelEnd === begin + BEGIN.length || !text.startsWith(DASHES, labelEnd)) {
      pos = begin + BEGIN.length;
      continue;
    }
    const label = text.slice(begin + BEGIN.length, labelEnd);
    const bodyStart = labelEnd + DASHES.length;
    // Both markers only ever move forward: each is searched for once per stretch of text.
    if (nextEnd < bodyStart) nextEnd = text.indexOf(END, bodyStart);
    if (nextEnd === -1) break;
    if (nextBegin < bodyStart) nextBegin = text.indexOf(BEGIN, bodyStart);
    if (nextBegin !== -1 && nextBegin < nextEnd) {
      pos = nextBegin;
      continue;
    }
    const endLabel = nextEnd + END.length;
    if (text.startsWith(label, endLabel) && text.startsWith(DASHES, endLabel + label.length)) {
      blocks.push({ label, body: text.slice(bodyStart, nextEnd) });
      pos = endLabel + label.length + DASHES.length;
    } else {
      pos = endLabel;
    }
  }
  return blocks;
}

/** End of a label: upper-case letters, digits and spaces, as every PEM label in use is written. */
function scanLabel(text: string, from: number): number {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x20;
    if (!ok) break;
  }
  return i;
}

/** The bytes of a block: its base64 with the line breaks and spaces taken out. */
export function pemBytes(block: PemBlock): Buffer {
  return Buffer.from(block.body.replace(/[\r\n\t ]/g, ''), 'base64');
}
