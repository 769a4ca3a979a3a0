import { HeraldError } from '../../errors/index.js';
import { AuthStoreError, type AuthStore } from '../../ports/auth-store.js';
import type { Logger } from '../../ports/logger.js';
import type { Message } from '../../ports/message.js';
import type { PhoneVerifier, VoiceCaller } from '../../ports/phone.js';
import { isE164 } from '../../util/sms.js';
import { callTwiml } from './call-twiml.js';
import { isCallYes } from './call-value.js';

export interface CallServiceDeps {
  /** Where each user's verified numbers are kept (the account database). */
  store: Pick<AuthStore, 'phoneNumbers' | 'addPhoneNumber' | 'removePhoneNumber'>;
  caller: VoiceCaller;
  verifier: PhoneVerifier;
  /** TwiML template of a call (see call-twiml.ts). */
  format: string;
  logger: Logger;
}

/** The logged-in publisher of a message, as far as calls care. */
export interface CallingUser {
  id: string;
  name: string;
}

/**
 * Phone calls of the topics face (ntfy's `X-Call`): users verify numbers through the gateway
 * and may then have messages read out to them. Only verified numbers are ever called, so a
 * publisher cannot make Herald ring a stranger's phone.
 */
export class CallService {
  readonly #d: CallServiceDeps;

  constructor(deps: CallServiceDeps) {
    this.#d = deps;
  }

  /** The user's verified numbers, in the order they were added. */
  numbers(userId: string): Promise<string[]> {
    return this.#d.store.phoneNumbers(userId);
  }

  /**
   * The number an `X-Call` value stands for: the first verified number for yes/true/1, else the
   * value itself if it is one of the user's verified numbers. 40035 for anonymous publishers,
   * 40034 when nothing matches.
   */
  async resolve(value: string, user: CallingUser | undefined): Promise<string> {
    if (!user) throw new HeraldError('anonymousCallsNotAllowed');
    const numbers = await this.#d.store.phoneNumbers(user.id);
    if (numbers.length === 0) throw new HeraldError('phoneNumberNotVerified');
    if (isCallYes(value)) return numbers[0]!;
    if (numbers.includes(value)) return value;
    throw new HeraldError('phoneNumberNotVerified');
  }

  /**
   * Calls `to` and reads the message out. Runs in the background once the message is published,
   * as ntfy does: the publisher is not kept waiting on the gateway, and a failed call is logged,
   * not retried (a retry after a lost answer could ring twice).
   */
  place(message: Message, to: string, sender: string): void {
    const d = this.#d;
    let twiml: string;
    try {
      twiml = callTwiml(d.format, {
        topic: message.topic,
        message: message.message ?? '',
        sender,
        ...(message.title !== undefined ? { title: message.title } : {}),
        ...(message.priority !== undefined ? { priority: message.priority } : {}),
        ...(message.tags !== undefined ? { tags: message.tags } : {}),
      });
    } catch (err) {
      d.logger.error({ err, id: message.id }, 'call not placed: the call format does not render');
      return;
    }
    void d.caller.call(to, twiml).then((result) => {
      if (result.kind === 'ok') d.logger.info({ id: message.id, topic: message.topic, call: result.providerId }, 'phone call placed');
      else d.logger.warn({ id: message.id, topic: message.topic, status: result.status, reason: result.reason }, 'phone call failed');
    });
  }

  /**
   * Sends a verification code to a number the user wants to add. `allowed` is whether this user
   * may have calls at all (admins, and users whose limits grant calls): 401 otherwise, as in ntfy.
   */
  async startVerification(userId: string, number: string, channel: string, allowed: boolean): Promise<void> {
    if (!isE164(number)) throw new HeraldError('callNumberInvalid');
    if (channel !== 'sms' && channel !== 'call') throw new HeraldError('phoneVerifyChannelInvalid');
    if (!allowed) throw new HeraldError('unauthorized');
    if ((await this.#d.store.phoneNumbers(userId)).includes(number)) throw new HeraldError('phoneNumberExists');
    try {
      await this.#d.verifier.start(number, channel);
    } catch (err) {
      throw new HeraldError('phoneGatewayUnavailable', { cause: err });
    }
  }

  /** Checks the code sent to `number` and, if it is right, adds the number to the user's verified ones. */
  async confirm(userId: string, number: string, code: string): Promise<void> {
    if (!isE164(number)) throw new HeraldError('callNumberInvalid');
    // Before the check, so a code is not used up on a number that is there already.
    if ((await this.#d.store.phoneNumbers(userId)).includes(number)) throw new HeraldError('phoneNumberExists');
    let result;
    try {
      result = await this.#d.verifier.check(number, code);
    } catch (err) {
      throw new HeraldError('phoneGatewayUnavailable', { cause: err });
    }
    if (result === 'not_found') throw new HeraldError('phoneVerificationExpired');
    if (result === 'wrong_code') throw new HeraldError('phoneNumberNotVerified', { detail: 'the code is not correct' });
    try {
      await this.#d.store.addPhoneNumber(userId, number);
    } catch (err) {
      if (err instanceof AuthStoreError && err.kind === 'duplicate') throw new HeraldError('phoneNumberExists');
      if (err instanceof AuthStoreError && err.kind === 'not_found') throw new HeraldError('unauthorized');
      throw err;
    }
  }

  /** Removes a verified number; one the user does not have is not an error (ntfy's behaviour). */
  async remove(userId: string, number: string): Promise<void> {
    if (!isE164(number)) throw new HeraldError('callNumberInvalid');
    await this.#d.store.removePhoneNumber(userId, number);
  }

  async close(): Promise<void> {
    await Promise.all([this.#d.caller.close(), this.#d.verifier.close()]);
  }
}
