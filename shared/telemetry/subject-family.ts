/** The subject families of docs/bus.md: label values, never ids. */
export const subjectFamilies = [
  'mailbox',
  'push',
  'typing',
  'presence',
  'membership',
  'connection',
  'session',
  'device',
] as const;
export type SubjectFamily = (typeof subjectFamilies)[number] | 'other';

const families: ReadonlySet<string> = new Set(subjectFamilies);

/** `guardyn.mailbox.<user>.<device>` → `mailbox`; anything unexpected → `other`. */
export function subjectFamily(subject: string): SubjectFamily {
  const [root, family] = subject.split('.', 2);
  return root === 'guardyn' && family !== undefined && families.has(family)
    ? (family as SubjectFamily)
    : 'other';
}
