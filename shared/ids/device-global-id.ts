/** `Device.id` in the supergraph: `<userId>:<deviceId>` (auth makes it, notification reads it back). */

/** A device's global id, as the schema shows it. */
export function deviceGlobalId(userId: string, deviceId: number): string {
  return `${userId}:${deviceId}`;
}

/** The user and device of a global id, or null when it is not one (device numbers have 1 to 3 digits). */
export function parseDeviceGlobalId(id: string): { userId: string; deviceId: number } | null {
  const match = /^([^:]+):(\d{1,3})$/.exec(id);
  return match?.[1] && match[2] ? { userId: match[1], deviceId: Number(match[2]) } : null;
}
