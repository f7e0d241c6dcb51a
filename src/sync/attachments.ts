import type { Row } from '../core/values.js';

/**
 * Binary values travel as CouchDB attachments: a top-level field holding a Blob or an
 * ArrayBuffer is written in `values` as `{ "$attachment": <field>, "as": "blob" | "arraybuffer" }`
 * and its bytes as the document's attachment named after the field, base64 in `_attachments`.
 */
const ATTACHMENT = '$attachment';

/** How a field's attachment names it in `values`. */
interface AttachmentMarker {
  readonly [ATTACHMENT]: string;
  readonly as: 'blob' | 'arraybuffer';
}

/** One attachment of a document as CouchDB takes it inline, or hands it back with `attachments=true`. */
interface InlineAttachment {
  readonly content_type: string;
  readonly data?: string;
  readonly stub?: boolean;
}

/** True for the values that travel as attachments. */
export function isBinary(value: unknown): value is Blob | ArrayBuffer {
  return (typeof Blob !== 'undefined' && value instanceof Blob) || value instanceof ArrayBuffer;
}

/** The marker `values` holds in place of binary `value` of `field`. */
export function markerOf(field: string, value: Blob | ArrayBuffer): AttachmentMarker {
  return { [ATTACHMENT]: field, as: value instanceof ArrayBuffer ? 'arraybuffer' : 'blob' };
}

function isMarker(value: unknown): value is AttachmentMarker {
  if (typeof value !== 'object' || value === null) return false;
  const marker = value as Partial<AttachmentMarker>;
  return (
    typeof marker[ATTACHMENT] === 'string' &&
    (marker.as === 'blob' || marker.as === 'arraybuffer') &&
    Object.keys(value).length === 2
  );
}

/** The attachment names the markers of encoded `values` refer to: dexorm's own attachments. */
export function attachmentNames(values: unknown): Set<string> {
  const names = new Set<string>();
  if (typeof values !== 'object' || values === null) return names;
  for (const value of Object.values(values)) if (isMarker(value)) names.add(value[ATTACHMENT]);
  return names;
}

/**
 * The document with the bytes of the binary fields of `values` (the record as stored) in
 * `_attachments`, beside the attachments of other clients it already names (as stubs).
 */
export async function withAttachmentData<D extends object>(
  document: D,
  values: Readonly<Row>,
): Promise<D> {
  const inline: Record<string, InlineAttachment> = {};
  for (const [field, value] of Object.entries(values)) {
    if (!isBinary(value)) continue;
    const bytes = new Uint8Array(value instanceof ArrayBuffer ? value : await value.arrayBuffer());
    const type = value instanceof ArrayBuffer ? '' : value.type;
    inline[field] = { content_type: type || 'application/octet-stream', data: toBase64(bytes) };
  }
  if (Object.keys(inline).length === 0) return document;
  const foreign = (document as { _attachments?: Record<string, InlineAttachment> })._attachments;
  return { ...document, _attachments: { ...foreign, ...inline } };
}

/**
 * The value a marker in `values` stands for, made from the document's attachment; the value
 * itself when it is no marker.
 */
export function decodeAttachment(value: unknown, attachments: unknown): unknown {
  if (!isMarker(value)) return value;
  const attachment = (attachments as Record<string, InlineAttachment> | undefined)?.[
    value[ATTACHMENT]
  ];
  const bytes = fromBase64(attachment?.data ?? '');
  if (value.as === 'arraybuffer') return bytes.buffer;
  return new Blob([bytes], { type: attachment?.content_type ?? '' });
}

/** Why the markers of `values` cannot be read from `attachments`, or undefined when they can. */
export function attachmentProblem(values: Row, attachments: unknown): string | undefined {
  for (const [field, value] of Object.entries(values)) {
    if (!isMarker(value)) continue;
    const name = value[ATTACHMENT];
    const attachment = (attachments as Record<string, InlineAttachment> | undefined)?.[name];
    if (typeof attachment?.data !== 'string') {
      return `"values.${field}" names attachment "${name}", which the document does not carry`;
    }
  }
  return undefined;
}

const CHUNK = 0x8000;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
