import type { EmailEvent, NotifyAccepted, NotifyActor, NotifyRequest, SmsReport } from './notify-types.js';

/** Work in progress: replaced within this change by the real service. */
export class NotifyService {
  async notify(request: NotifyRequest, actor: NotifyActor): Promise<NotifyAccepted> {
    void request; void actor;
    throw new Error('not yet');
  }
  async smsStatus(report: SmsReport): Promise<boolean> {
    void report;
    return false;
  }
  async emailEvent(event: EmailEvent): Promise<boolean> {
    void event;
    return false;
  }
}
