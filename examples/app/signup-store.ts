/**
 * Pending sign-ups and their codes, in memory, with the rules a real app enforces: a code lives
 * 10 minutes, 5 wrong tries void it, and one number gets at most 5 codes per 15 minutes.
 */
import { randomInt, randomUUID } from 'node:crypto';

/** The app's verification rules, as data so the pages can quote them. */
export const SIGNUP_RULES = {
  codeLifetimeMs: 10 * 60_000,
  maxWrongCodes: 5,
  /** Codes one number may receive per `sendWindowMs` (the first one included). */
  maxSendsPerWindow: 5,
  sendWindowMs: 15 * 60_000,
  /** Unfinished sign-ups are forgotten after this long. */
  forgetAfterMs: 60 * 60_000,
} as const;

export interface Signup {
  id: string;
  name: string;
  /** +E.164 */
  phone: string;
  /** Digits of the invite the user came with, if any: it appears in the SMS text. */
  invite: string | undefined;
  createdAtMs: number;
  /** The code of the last SMS sent; undefined until one was sent. */
  code: string | undefined;
  codeSentAtMs: number;
  wrongCodes: number;
  verified: boolean;
}

export type VerifyResult = 'verified' | 'wrong' | 'expired' | 'locked' | 'no-code';

export interface SignupStore {
  create(input: { name: string; phone: string; invite: string | undefined }): Signup;
  get(id: string): Signup | undefined;
  /** 0 when `phone` may receive another code now, else milliseconds until it may. */
  sendBlockedForMs(phone: string): number;
  /** A fresh 6-digit code for `signup`, different from its previous one. Not active until {@link codeSent}. */
  newCode(signup: Signup): string;
  /** The SMS with `code` left: make it the signup's code and count the send against the number. */
  codeSent(signup: Signup, code: string): void;
  verify(signup: Signup, code: string): VerifyResult;
}

/** @param now injected so the rules can be tested without waiting. */
export function createSignupStore(now: () => number = Date.now): SignupStore {
  const signups = new Map<string, Signup>();
  const sendsByPhone = new Map<string, number[]>();

  const recentSends = (phone: string): number[] => {
    const since = now() - SIGNUP_RULES.sendWindowMs;
    const recent = (sendsByPhone.get(phone) ?? []).filter((t) => t > since);
    sendsByPhone.set(phone, recent);
    return recent;
  };

  const forgetOld = () => {
    const before = now() - SIGNUP_RULES.forgetAfterMs;
    for (const [id, s] of signups) if (s.createdAtMs < before) signups.delete(id);
    for (const phone of sendsByPhone.keys()) if (recentSends(phone).length === 0) sendsByPhone.delete(phone);
  };

  return {
    create({ name, phone, invite }) {
      forgetOld();
      const signup: Signup = {
        id: randomUUID(),
        name,
        phone,
        invite,
        createdAtMs: now(),
        code: undefined,
        codeSentAtMs: 0,
        wrongCodes: 0,
        verified: false,
      };
      signups.set(signup.id, signup);
      return signup;
    },
    get: (id) => signups.get(id),
    sendBlockedForMs(phone) {
      const recent = recentSends(phone);
      if (recent.length < SIGNUP_RULES.maxSendsPerWindow) return 0;
      const oldest = recent[0] ?? now();
      return Math.max(1, oldest + SIGNUP_RULES.sendWindowMs - now());
    },
    newCode(signup) {
      let code: string;
      do code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      while (code === signup.code);
      return code;
    },
    codeSent(signup, code) {
      signup.code = code;
      signup.codeSentAtMs = now();
      signup.wrongCodes = 0;
      recentSends(signup.phone).push(now());
    },
    verify(signup, code) {
      if (signup.code === undefined) return 'no-code';
      if (signup.wrongCodes >= SIGNUP_RULES.maxWrongCodes) return 'locked';
      if (now() - signup.codeSentAtMs > SIGNUP_RULES.codeLifetimeMs) return 'expired';
      if (code.trim() !== signup.code) {
        signup.wrongCodes++;
        return signup.wrongCodes >= SIGNUP_RULES.maxWrongCodes ? 'locked' : 'wrong';
      }
      signup.verified = true;
      return 'verified';
    },
  };
}
