import nodemailer, { type Transporter } from 'nodemailer';
import type { ServerConfig } from '../config.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * E-mail through SMTP with the old keys: `smtphost` (off when empty), `smtpport`, `smtptls`
 * (STARTTLS required; port 465 speaks TLS from the start), `smtpsender`, `smtplogin`,
 * `smtppasswd` (no login when both are empty).
 */
export class Mailer {
  private readonly transport: Transporter;

  constructor(private readonly config: Pick<ServerConfig, 'smtphost' | 'smtpport' | 'smtptls' | 'smtpsender' | 'smtplogin' | 'smtppasswd'>, tls?: { rejectUnauthorized?: boolean }) {
    const implicitTls = config.smtpport === 465;
    this.transport = nodemailer.createTransport({
      host: config.smtphost,
      port: config.smtpport,
      secure: implicitTls,
      requireTLS: config.smtptls && !implicitTls,
      ignoreTLS: !config.smtptls && !implicitTls,
      auth: config.smtplogin || config.smtppasswd ? { user: config.smtplogin, pass: config.smtppasswd } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      tls,
    });
  }

  static enabled(config: Pick<ServerConfig, 'smtphost'>): boolean {
    return config.smtphost.trim() !== '';
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.config.smtpsender || `coalition@${this.config.smtphost}`, to: mail.to, subject: mail.subject, text: mail.text });
  }

  close(): void {
    this.transport.close();
  }
}
