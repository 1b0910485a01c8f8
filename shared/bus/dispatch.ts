import type { BusErrorContext, BusErrorHandler, BusHandler, BusMessage } from './event-bus.js';

/** A delivered message, without the optional fields that are absent. */
export function busMessage(
  subject: string,
  data: unknown,
  msgId: string | undefined,
  headers: Readonly<Record<string, string>> | undefined,
): BusMessage {
  return {
    subject,
    data,
    ...(msgId === undefined ? {} : { msgId }),
    ...(headers === undefined ? {} : { headers }),
  };
}

/** The default `onError`: errors are dropped (pass a logger-backed callback in services). */
export const ignoreBusError: BusErrorHandler = () => undefined;

/** Calls `onError`, never letting a faulty sink break delivery. */
export function reportBusError(
  onError: BusErrorHandler,
  error: unknown,
  context: BusErrorContext,
): void {
  try {
    onError(error, context);
  } catch {
    // The sink is the last resort; there is nowhere left to report its own failure.
  }
}

/** Runs a core handler without awaiting it: a throw or rejection goes to `onError`, nowhere else. */
export function invokeCoreHandler(
  handler: BusHandler,
  message: BusMessage,
  onError: BusErrorHandler,
): void {
  const context: BusErrorContext = { kind: 'handler', subject: message.subject };
  try {
    const result = handler(message);
    if (result !== undefined) {
      Promise.resolve(result).catch((error: unknown) => reportBusError(onError, error, context));
    }
  } catch (error) {
    reportBusError(onError, error, context);
  }
}
