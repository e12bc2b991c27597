/**
 * SMS gateways are pluggable: production wires a provider's HTTP API behind this interface. The
 * development sink keeps messages in memory so the demo (and tests) can show them; it masks the
 * phone number in what it exposes.
 */
export interface SmsGateway {
  send(phone: string, text: string): Promise<void>;
}

export interface SinkMessage {
  readonly phoneEnding: string;
  readonly text: string;
  readonly at: string;
}

export class DevelopmentSmsSink implements SmsGateway {
  private readonly messages: SinkMessage[] = [];

  async send(phone: string, text: string): Promise<void> {
    this.messages.push({ phoneEnding: phone.slice(-4), text, at: new Date().toISOString() });
    if (this.messages.length > 200) this.messages.shift();
  }

  recent(): readonly SinkMessage[] {
    return [...this.messages].reverse();
  }
}
