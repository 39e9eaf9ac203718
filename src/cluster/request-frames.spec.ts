import { encodeFrames, FrameReader, MAX_FRAME_TEXT, type Frame } from './request-frames.js';

describe(FrameReader.name, () => {
  const frames: Frame[] = [
    { id: 1, text: '{"userId":"@a:x"}' },
    { id: 22, text: '' },
    { id: 3, text: '12 34 \u0000 5 6\n' },
  ];

  it('reads several frames from one chunk, whatever characters their texts hold', () => {
    expect(new FrameReader().push(encodeFrames(frames))).toEqual(frames);
  });

  it('reads frames cut anywhere across chunks', () => {
    const wire = encodeFrames(frames);
    for (let cut = 0; cut <= wire.length; cut++) {
      const reader = new FrameReader();
      expect([...reader.push(wire.slice(0, cut)), ...reader.push(wire.slice(cut))]).toEqual(frames);
    }
    const reader = new FrameReader();
    expect([...wire].flatMap((character) => reader.push(character))).toEqual(frames);
  });

  it('refuses a garbled stream rather than answering the wrong request', () => {
    expect(() => new FrameReader().push('x 1 a')).toThrow('malformed');
    expect(() => new FrameReader().push('1 -1 a')).toThrow('malformed');
    expect(() => new FrameReader().push('1e3 1 a')).toThrow('malformed');
    expect(() => new FrameReader().push('1x')).toThrow('malformed');
    expect(() => new FrameReader().push('1'.repeat(40))).toThrow('malformed');
    // A length no request needs is refused before any of its text is held.
    expect(() => new FrameReader().push(`1 ${MAX_FRAME_TEXT + 1} `)).toThrow('malformed');
  });
});
