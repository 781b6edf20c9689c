import { describe, expect, it } from 'vitest';
import { DataError } from './errors';

describe('DataError', () => {
  it('formats "<file>: <problem>. <what to do>" and keeps the parts', () => {
    const err = new DataError('a.png', 'not an image', 'Choose a PNG or JPEG image');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(DataError);
    expect(err.name).toBe('DataError');
    expect(err.message).toBe('a.png: not an image. Choose a PNG or JPEG image');
    expect(err.file).toBe('a.png');
    expect(err.problem).toBe('not an image');
  });
});
