import { createHmac } from 'node:crypto';
import { maskAddresses } from '../bounces.service';
import { parseDsn } from './dsn';
import { parseMailgun, verifyMailgunSignature } from './mailgun';
import { bareMessageId, classifyStatus, enhancedStatus } from './parsed-bounce';
import { parsePostmark } from './postmark';
import { isSigningCertUrl, parseSesNotification, snsStringToSign, SnsMessage } from './sns';

const report = (statusPart: string, extra = '') =>
  Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.net',
      'Content-Type: multipart/report; report-type=delivery-status; boundary=XX',
      '',
      '--XX',
      'Content-Type: text/plain',
      '',
      'failed',
      '--XX',
      statusPart,
      extra,
      '--XX--',
      '',
    ].join('\r\n'),
  );

describe('parseDsn', () => {
  it('reads every failed recipient and ignores delayed ones', () => {
    const part = [
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; one@example.ru',
      'Action: failed',
      'Status: 5.1.1',
      '',
      'Final-Recipient: rfc822; two@example.ru',
      'Action: delayed',
      'Status: 4.4.1',
      '',
      'Final-Recipient: rfc822;<three@example.ru>',
      'Action: failed',
      'Status: 5.7.1',
      'Diagnostic-Code: smtp; 550 5.7.1 blocked',
      '',
    ].join('\r\n');
    expect(parseDsn(report(part))).toEqual([
      { email: 'one@example.ru', messageId: undefined, type: 'hard', reason: '5.1.1' },
      { email: 'three@example.ru', messageId: undefined, type: 'soft', reason: '5.7.1 550 5.7.1 blocked' },
    ]);
  });

  it('decodes a base64 status part and finds the Message-ID in an attached original', () => {
    const status = Buffer.from('Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; b64@example.ru\r\nAction: failed\r\nStatus: 5.1.2\r\n').toString('base64');
    const part = `Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n${status}\r\n`;
    const original = '--XX\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <orig.1@vestnik>\r\nSubject: x\r\n\r\nbody\r\n';
    expect(parseDsn(report(part, original))).toEqual([{ email: 'b64@example.ru', messageId: 'orig.1@vestnik', type: 'hard', reason: '5.1.2' }]);
  });

  it('reads an RFC 5965 abuse report as a complaint', () => {
    const raw = Buffer.from(
      'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nabuse\r\n' +
        '--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: x/1\r\nVersion: 1\r\nOriginal-Rcpt-To: <arf@example.ru>\r\n' +
        '--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <arf.1@vestnik>\r\n\r\n--b--\r\n',
    );
    expect(parseDsn(raw)).toEqual([{ email: 'arf@example.ru', messageId: 'arf.1@vestnik', type: 'complaint', reason: 'feedback report: abuse' }]);
  });

  it('finds nothing in an ordinary message', () => {
    expect(parseDsn(Buffer.from('Subject: hi\r\n\r\nhello'))).toEqual([]);
  });
});

describe('status helpers', () => {
  it('classifies only 5.1.x as hard', () => {
    expect(classifyStatus('5.1.1')).toBe('hard');
    expect(classifyStatus('5.1.10')).toBe('hard');
    expect(classifyStatus('5.2.2')).toBe('soft');
    expect(classifyStatus('4.1.1')).toBe('soft');
    expect(classifyStatus(undefined)).toBe('soft');
    expect(enhancedStatus('550 5.1.1 <a@b>: no such user')).toBe('5.1.1');
    expect(enhancedStatus('550 no such user')).toBeNull();
    expect(bareMessageId(' <a@b> ')).toBe('a@b');
    expect(bareMessageId('')).toBeUndefined();
    expect(maskAddresses('550 5.1.1 <ivan@example.ru>: unknown ivan@example.ru')).toBe('550 5.1.1 <address>: unknown <address>');
  });
});

describe('SNS', () => {
  it('builds the canonical string to sign for notifications (Subject only when present)', () => {
    const m = { Type: 'Notification', MessageId: 'm', TopicArn: 't', Message: 'x', Timestamp: 'ts' } as SnsMessage;
    expect(snsStringToSign(m)).toBe('Message\nx\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n');
    expect(snsStringToSign({ ...m, Subject: 's' })).toContain('MessageId\nm\nSubject\ns\nTimestamp');
  });

  it('accepts certificate URLs on SNS hosts over https only', () => {
    expect(isSigningCertUrl('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc123.pem')).toBe(true);
    expect(isSigningCertUrl('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem')).toBe(true);
    expect(isSigningCertUrl('http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem')).toBe(false);
    expect(isSigningCertUrl('https://sns.us-east-1.amazonaws.com.evil.io/SimpleNotificationService-abc.pem')).toBe(false);
    expect(isSigningCertUrl('https://evil.io/sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem')).toBe(false);
    expect(isSigningCertUrl('https://sns.us-east-1.amazonaws.com/other.pem')).toBe(false);
  });

  it('reads the event-publishing form of SES too', () => {
    const message = JSON.stringify({ eventType: 'Bounce', bounce: { bounceType: 'Undetermined', bouncedRecipients: [{ emailAddress: 'u@example.ru' }] }, mail: { headers: [{ name: 'Message-ID', value: '<h.1@v>' }] } });
    expect(parseSesNotification(message, 'sns-1')).toEqual([
      { email: 'u@example.ru', messageId: 'h.1@v', type: 'soft', reason: 'Undetermined/', providerEventId: 'sns-1:0' },
    ]);
    expect(parseSesNotification('{"notificationType":"Delivery"}', 'x')).toEqual([]);
    expect(parseSesNotification('not json', 'x')).toEqual([]);
  });
});

describe('Postmark and Mailgun', () => {
  it('maps Postmark types and ignores record types that are not bounces', () => {
    expect(parsePostmark({ RecordType: 'Bounce', Type: 'HardBounce', Email: 'a@b.ru', ID: 1 })[0]).toMatchObject({ type: 'hard', providerEventId: '1' });
    expect(parsePostmark({ RecordType: 'Bounce', Type: 'SoftBounce', Email: 'a@b.ru' })[0].type).toBe('soft');
    expect(parsePostmark({ RecordType: 'Bounce', Type: 'AutoResponder', Email: 'a@b.ru' })).toEqual([]);
    expect(parsePostmark({ RecordType: 'Delivery', Email: 'a@b.ru' })).toEqual([]);
    expect(parsePostmark('x')).toEqual([]);
  });

  it('verifies the Mailgun HMAC of timestamp and token', () => {
    const now = 1_700_000_000_000;
    const signature = createHmac('sha256', 'k'.repeat(20)).update('1700000000tok').digest('hex');
    const body = { signature: { timestamp: '1700000000', token: 'tok', signature } };
    expect(verifyMailgunSignature('k'.repeat(20), body, now)).toBe(true);
    expect(verifyMailgunSignature('j'.repeat(20), body, now)).toBe(false);
    expect(verifyMailgunSignature('k'.repeat(20), body, now + 2 * 86_400_000)).toBe(false);
    expect(parseMailgun({ 'event-data': { event: 'failed', severity: 'permanent', recipient: 'a@b.ru', 'delivery-status': { message: '5.7.1 policy' } } })[0].type).toBe('soft');
    expect(parseMailgun({ 'event-data': { event: 'delivered', recipient: 'a@b.ru' } })).toEqual([]);
  });
});
