import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';

/** A span as the tests read it, decoded from an OTLP `ExportTraceServiceRequest`. */
export interface ExportedSpan {
  readonly serviceName: string;
  readonly scope: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean | readonly unknown[]>>;
}

interface AnyValue {
  readonly stringValue?: string | null;
  readonly boolValue?: boolean | null;
  /** A Long (the generated code's int64). */
  readonly intValue?: { toString(): string } | null;
  readonly doubleValue?: number | null;
  readonly arrayValue?: { readonly values: readonly AnyValue[] } | null;
}
interface KeyValue {
  readonly key: string;
  readonly value?: AnyValue;
}
interface DecodedRequest {
  readonly resourceSpans: readonly {
    readonly resource?: { readonly attributes: readonly KeyValue[] };
    readonly scopeSpans: readonly {
      readonly scope?: { readonly name: string };
      readonly spans: readonly {
        readonly traceId: Uint8Array;
        readonly spanId: Uint8Array;
        readonly parentSpanId: Uint8Array | null;
        readonly name: string;
        readonly kind: number;
        readonly attributes: readonly KeyValue[];
      }[];
    }[];
  }[];
}

/** The package's generated protobuf code (static, not a reflection Root as its typings say). */
const requestType = (
  otlpRoot as unknown as {
    opentelemetry: {
      proto: {
        collector: {
          trace: {
            v1: { ExportTraceServiceRequest: { decode(bytes: Uint8Array): DecodedRequest } };
          };
        };
      };
    };
  }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** The value of an AnyValue; the generated code leaves the unset members of its oneof null. */
function plain(value: AnyValue | undefined): string | number | boolean | readonly unknown[] {
  if (typeof value?.stringValue === 'string') return value.stringValue;
  if (typeof value?.boolValue === 'boolean') return value.boolValue;
  if (typeof value?.doubleValue === 'number') return value.doubleValue;
  if (value?.intValue !== undefined && value.intValue !== null)
    return Number(String(value.intValue));
  if (value?.arrayValue) return value.arrayValue.values.map(plain);
  return '';
}

function attributesOf(keyValues: readonly KeyValue[]): ExportedSpan['attributes'] {
  return Object.fromEntries(keyValues.map(({ key, value }) => [key, plain(value)]));
}

/** Ids as W3C writes them; a root span has no parent id (decoded as null). */
const hex = (bytes: Uint8Array | null) => (bytes ? Buffer.from(bytes).toString('hex') : '');

/** Decodes one protobuf `ExportTraceServiceRequest` with OpenTelemetry's own generated code. */
export function decodeTraceRequest(body: Uint8Array): ExportedSpan[] {
  const request = requestType.decode(body);
  return request.resourceSpans.flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
    const serviceName = String(resource['service.name']);
    return resourceSpans.scopeSpans.flatMap((scopeSpans) =>
      scopeSpans.spans.map((span) => ({
        serviceName,
        scope: scopeSpans.scope?.name ?? '',
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
      })),
    );
  });
}
