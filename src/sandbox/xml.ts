/**
 * XML as the AWS query protocol writes it (text content only, so quotes need no escaping): `<Op>Response xmlns=…><Op>Result>…</Op>Result><ResponseMetadata>…`,
 * lists as `<member>` children. Values are escaped, and characters XML 1.0 cannot carry (most C0 controls, lone
 * surrogates) become U+FFFD, so hostile claim values can never break the document.
 */
export type XmlValue = string | number | boolean | undefined | null | XmlValue[] | { [name: string]: XmlValue };

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

// The characters XML 1.0 forbids: most C0 controls, U+FFFE/U+FFFF and unpaired surrogates.
const INVALID_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeXml(text: string): string {
  return text.replace(INVALID_XML_CHARS, '\uFFFD').replace(/[&<>]/g, (c) => ESCAPES[c]);
}

function render(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${render(v)}</member>`).join('');
  if (typeof value === 'object') {
    let out = '';
    for (const [name, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      out += `<${name}>${render(v)}</${name}>`;
    }
    return out;
  }
  return escapeXml(String(value));
}

/** A success body: `result` undefined for actions whose response carries only the metadata. */
export function responseXml(action: string, xmlns: string, result: XmlValue, requestId: string): string {
  const inner = result === undefined ? '' : `<${action}Result>${render(result)}</${action}Result>`;
  return `<${action}Response xmlns="${xmlns}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`;
}

export function errorXml(
  xmlns: string,
  error: { type: string; code: string; message: string },
  requestId: string,
): string {
  return `<ErrorResponse xmlns="${xmlns}">\n  <Error>\n    <Type>${escapeXml(error.type)}</Type>\n    <Code>${escapeXml(error.code)}</Code>\n    <Message>${escapeXml(error.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
}
