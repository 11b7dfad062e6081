// Entra ID's error answers, in the documented shape (Microsoft Entra authentication and
// authorization error codes): `error`, `error_description` (`AADSTS<code>: <text>` then its
// Trace ID, Correlation ID and Timestamp lines), `error_codes`, `timestamp`, `trace_id`,
// `correlation_id`, `error_uri`.
import { randomUUID } from 'node:crypto';

export interface EntraErrorSpec {
  readonly error: string;
  readonly code: number;
  readonly text: string;
}

export function entraError(spec: EntraErrorSpec, correlationId: string = randomUUID()): object {
  const traceId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error: spec.error,
    error_description: `AADSTS${spec.code}: ${spec.text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [spec.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${spec.code}`,
  };
}
