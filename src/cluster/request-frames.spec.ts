import { decodeFrames, encodeFrames, FrameBatcher, type Frame } from './request-frames.js';

describe('request frames', () => {
  it('carries several texts in one message, whatever characters they hold', () => {
    const frames: Frame[] = [
      { id: 1, text: '{"userId":"@a:x"}' },
      { id: 22, text: '' },
      { id: 3, text: '12 34 \u0000 5 6\n' },
    ];
    expect(decodeFrames(encodeFrames(frames))).toEqual(frames);
  });

  it('reads after a prefix such as the sender', () => {
    const message = `process-1 ${encodeFrames([{ id: 7, text: '+42' }])}`;
    expect(decodeFrames(message, message.indexOf(' ') + 1)).toEqual([{ id: 7, text: '+42' }]);
  });

  it('refuses a cut or garbled message rather than answering the wrong request', () => {
    const message = encodeFrames([{ id: 1, text: 'hello' }]);
    expect(() => decodeFrames(message.slice(0, -1))).toThrow('malformed');
    expect(() => decodeFrames('x 1 a')).toThrow('malformed');
    expect(() => decodeFrames('1')).toThrow('malformed');
  });
});

describe(FrameBatcher.name, () => {
  it('sends what is added in one turn of the event loop together, per destination', async () => {
    const sent: Array<[string, number[]]> = [];
    const batcher = new FrameBatcher((destination, frames) => sent.push([destination, frames.map((frame) => frame.id)]));
    batcher.add('a', { id: 1, text: '' });
    batcher.add('b', { id: 2, text: '' });
    batcher.add('a', { id: 3, text: '' });
    await new Promise((resolve) => setImmediate(resolve));
    batcher.add('a', { id: 4, text: '' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
      ['a', [4]],
    ]);
  });
});
