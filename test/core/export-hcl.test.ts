// The HCL pieces of the Terraform export: a quoted string holds exactly the given bytes (checked by decoding it as
// HCL's spec reads a quoted template, for any string), references become template text, labels are valid.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL templates (`${…}`) are what these strings hold
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { hclBlock, hclLabel, hclString, hclStringMap, LabelSet } from '../../src/core/export/hcl.js';

/**
 * An HCL quoted string's value, per the HCL native syntax spec: escapes `\n \r \t \" \\ \uNNNN \UNNNNNNNN`, `$${`
 * and `%%{` for literal `${` and `%{`. An unescaped `${` or `%{` is a template: its expression text is returned
 * inside ⟦⟧ so a test can see where it is.
 */
function decodeHcl(quoted: string): string {
  assert.ok(quoted.startsWith('"') && quoted.endsWith('"') && quoted.length >= 2, quoted);
  const s = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < s.length; ) {
    const rest = s.slice(i);
    if (rest.startsWith('$${') || rest.startsWith('%%{')) {
      out += `${rest[0]}{`;
      i += 3;
    } else if (rest.startsWith('${') || rest.startsWith('%{')) {
      const end = s.indexOf('}', i);
      out += `⟦${s.slice(i + 2, end)}⟧`;
      i = end + 1;
    } else if (s[i] === '\\') {
      const c = s[i + 1];
      const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
      if (c in simple) {
        out += simple[c];
        i += 2;
      } else if (c === 'u') {
        out += String.fromCharCode(Number.parseInt(s.slice(i + 2, i + 6), 16));
        i += 6;
      } else throw new Error(`bad escape \\${c}`);
    } else {
      assert.notEqual(s[i], '"', 'an unescaped quote ends the string');
      assert.ok(s.charCodeAt(i) >= 0x20 || s[i] === undefined, 'no raw control character');
      out += s[i];
      i++;
    }
  }
  return out;
}

test('hclString: any string reads back as exactly itself, with no template in it', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc
          .array(fc.constantFrom('$', '%', '{', '}', '\\', '"', '\n', 'a', '$${', '\u0000', '\u007f'), {
            maxLength: 12,
          })
          .map((a) => a.join('')),
      ),
      (s) => {
        const q = hclString(s);
        assert.doesNotMatch(decodeHcl(q), /⟦/);
        assert.equal(decodeHcl(q), s);
      },
    ),
    { numRuns: 2000 },
  );
});

test('hclString: references become template text; a literal $ right before one stays a $', () => {
  const refs = new Map([
    ['arn:aws:iam::987654321098:', 'arn:${data.aws_partition.current.partition}:iam::${data.id}:'],
    ['arn:aws:iam::987654321098:oidc-provider/h/c', '${aws_iam_openid_connect_provider.c.arn}'],
  ]);
  assert.equal(
    hclString('{"F":"arn:aws:iam::987654321098:oidc-provider/h/c"}', refs),
    '"{\\"F\\":\\"${aws_iam_openid_connect_provider.c.arn}\\"}"',
    'the longest key wins',
  );
  assert.equal(
    decodeHcl(hclString('x arn:aws:iam::987654321098:role/r', refs)),
    'x arn:⟦data.aws_partition.current.partition⟧:iam::⟦data.id⟧:role/r',
  );
  assert.equal(
    hclString('a$arn:aws:iam::987654321098:oidc-provider/h/c', refs),
    '"a${"$"}${aws_iam_openid_connect_provider.c.arn}"',
  );
  assert.equal(decodeHcl(hclString('${x}', refs)), '${x}');
});

test('labels: letters, digits, _ and - only, never starting with a digit; unique per set whatever the case', () => {
  assert.equal(hclLabel('app@default'), 'app_default');
  assert.equal(hclLabel('1st.bucket'), '_1st_bucket');
  assert.equal(hclLabel('-x'), '_-x');
  const set = new LabelSet();
  assert.deepEqual(
    ['app@default', 'app.default', 'App@Default', 'other'].map((n) => set.claim(n)),
    ['app_default', 'app_default_2', 'App_Default_3', 'other'],
  );
});

test('blocks are laid out as terraform fmt does: aligned runs, a multi-line value unaligned and on its own', () => {
  const text = hclBlock('resource "aws_iam_role" "r"', [
    ['name', '"r"'],
    ['max_session_duration', '3600'],
    ['tags', hclStringMap({ b: '2', a: '1', 'long-key': '3' })],
    ['path', '"/"'],
    ['description', '"d"'],
  ]);
  assert.equal(
    text,
    [
      'resource "aws_iam_role" "r" {',
      '  name                 = "r"',
      '  max_session_duration = 3600',
      '  tags = {',
      '    "a"        = "1"',
      '    "b"        = "2"',
      '    "long-key" = "3"',
      '  }',
      '  path        = "/"',
      '  description = "d"',
      '}',
    ].join('\n'),
  );
  assert.equal(hclBlock('data "aws_partition" "current"', []), 'data "aws_partition" "current" {}');
});
