import { RecordIODecoder, RecordIOError, encodeRecord } from './recordio';

const records = [
  Buffer.from('{"type":"SUBSCRIBED"}'),
  Buffer.alloc(0),
  Buffer.from('x'),
  Buffer.from('\n\n12\n'),
  Buffer.alloc(300, 0x41),
];
const stream = Buffer.concat(records.map(encodeRecord));

describe('RecordIO', () => {
  it('encodes <length>\\n<record>', () => {
    expect(encodeRecord(Buffer.from('hello')).toString()).toBe('5\nhello');
  });

  it('gives the same records for every split point of a stream', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (const j of [i, Math.min(stream.length, i + 1), Math.min(stream.length, i + 7)]) {
        const d = new RecordIODecoder();
        const out = [
          ...d.push(stream.subarray(0, i)),
          ...d.push(stream.subarray(i, j)),
          ...d.push(stream.subarray(j)),
        ];
        expect(out).toEqual(records);
        expect(d.idle).toBe(true);
      }
    }
  });

  it('handles one byte at a time', () => {
    const d = new RecordIODecoder();
    const out: Buffer[] = [];
    for (const b of stream) out.push(...d.push(Buffer.from([b])));
    expect(out).toEqual(records);
  });

  it.each([
    ['abc\nxyz', /not a decimal number: 'abc'/],
    ['-1\n', /not a decimal number/],
    ['12a', /not a decimal number/],
    ['1'.repeat(25), /longer than 20 characters/],
    [' 5\nhello', /not a decimal number/],
  ])('rejects garbage %j', (input, message) => {
    const d = new RecordIODecoder();
    expect(() => d.push(Buffer.from(input))).toThrow(message);
    // After garbage nothing more is read.
    expect(() => d.push(Buffer.from('1\nx'))).toThrow(RecordIOError);
  });

  it('rejects oversized records before buffering them', () => {
    const d = new RecordIODecoder(1024);
    expect(() => d.push(Buffer.from('1025\n'))).toThrow(
      /1025 bytes is larger than the limit of 1024/,
    );
  });
});
