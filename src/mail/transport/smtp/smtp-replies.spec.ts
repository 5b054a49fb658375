import { SmtpReplies, SmtpReply } from './smtp-replies';

/** Feeds `chunks` as the socket would and collects the replies to `owed` commands. */
async function read(chunks: string[], owed: number): Promise<SmtpReply[]> {
  const replies = new SmtpReplies();
  replies.expect(owed);
  const answers = Array.from({ length: owed }, () => replies.next());
  for (const chunk of chunks) replies.push(chunk);
  return Promise.all(answers);
}

describe(SmtpReplies.name, () => {
  it('splits pipelined answers, wherever the chunks break them', async () => {
    const wire = '250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as 4XyZ\r\n';
    const expected = [
      { code: 250, lines: ['2.1.0 Ok'], text: '250 2.1.0 Ok' },
      { code: 250, lines: ['2.1.5 Ok'], text: '250 2.1.5 Ok' },
      { code: 354, lines: ['End data with <CR><LF>.<CR><LF>'], text: '354 End data with <CR><LF>.<CR><LF>' },
      { code: 250, lines: ['2.0.0 Ok: queued as 4XyZ'], text: '250 2.0.0 Ok: queued as 4XyZ' },
    ];
    expect(await read([wire], 4)).toEqual(expected);
    for (let cut = 1; cut < wire.length; cut++) {
      expect(await read([wire.slice(0, cut), wire.slice(cut)], 4)).toEqual(expected);
    }
    expect(await read(wire.split(''), 4)).toEqual(expected);
  });

  it('joins multi-line replies, and reads bare LF, a bare code and stray blank lines', async () => {
    const replies = await read(['250-mx.test Hello\r\n250-PIPELINING\r', '\n250 8BITMIME\r\n', '\r\n220\n', '550  5.1.1 No such user \r\n'], 3);
    expect(replies).toEqual([
      { code: 250, lines: ['mx.test Hello', 'PIPELINING', '8BITMIME'], text: '250 mx.test Hello PIPELINING 8BITMIME' },
      { code: 220, lines: [''], text: '220' },
      { code: 550, lines: [' 5.1.1 No such user '], text: '550  5.1.1 No such user' },
    ]);
  });

  it('hands an answer to no command to onUnsolicited, and fails waits on an overlong reply', async () => {
    const replies = new SmtpReplies();
    const unsolicited: SmtpReply[] = [];
    replies.onUnsolicited = (reply) => unsolicited.push(reply);
    replies.push('421 4.4.2 Idle for too long\r\n');
    expect(unsolicited).toEqual([{ code: 421, lines: ['4.4.2 Idle for too long'], text: '421 4.4.2 Idle for too long' }]);
    replies.expect();
    const waiting = replies.next();
    replies.push('250 '.padEnd(70 * 1024, 'x'));
    await expect(waiting).rejects.toMatchObject({ code: 'EPROTOCOL' });
  });

  it('answers a code outside 200–599 as 0', async () => {
    expect((await read(['999 what\r\n', 'abc no code\r\n'], 2)).map((r) => r.code)).toEqual([0, 0]);
  });
});
