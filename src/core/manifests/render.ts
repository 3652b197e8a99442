import { Document } from 'yaml';

/**
 * Multi-document YAML as kubectl reads it. Comments ride along with the objects (`comment` above a document), so
 * the explanation stays next to the config it explains when the output is pasted or committed.
 */
export interface CommentedDoc {
  object: unknown;
  /** Plain text; each line becomes a `# ` comment above the document. */
  comment?: string;
}

export function renderYamlDocuments(docs: CommentedDoc[], header?: string): string {
  const parts = docs.map((d, i) => {
    const doc = new Document(d.object);
    const comment = [i === 0 ? header : undefined, d.comment].filter(Boolean).join('\n\n');
    if (comment) doc.commentBefore = wrapComment(comment);
    return doc.toString({ lineWidth: 0 });
  });
  return parts.join('---\n');
}

/** `yaml` prefixes each commentBefore line with `#`; wrap long lines so the comment stays readable. */
export function wrapComment(text: string, width = 110): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .map((l) => (l === '' ? '' : ` ${l}`))
    .join('\n');
}

function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      out.push(current);
      current = `  ${word}`;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) out.push(current);
  return out;
}
