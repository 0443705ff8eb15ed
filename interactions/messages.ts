// What people are told when they must wait before trying again: in plain words, the same whether or
// not the account exists.
import type { RefusalReason } from '../provider/security/sign-in-guard.ts';

/** The sentence for a refusal (or a wait after a failure), with the time in words. */
export function retryMessage(reason: RefusalReason | 'wait', seconds: number): string {
  const time = inWords(seconds);
  switch (reason) {
    case 'wait':
      return `Wait ${time} before trying again.`;
    case 'delay':
      return `Too many failed attempts. Wait ${time}, then try again.`;
    case 'locked':
      return `Too many failed attempts. Signing in from here is paused for ${time}; an administrator can lift the pause sooner.`;
    case 'address':
      return `Too many failed attempts from your network. Try again in ${time}.`;
  }
}

/** `seconds` as people say it: "1 second", "45 seconds", "15 minutes", "2 hours". */
export function inWords(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return plural(seconds, 'second');
  if (seconds < 3600) return plural(Math.ceil(seconds / 60), 'minute');
  return plural(Math.ceil(seconds / 3600), 'hour');
}
