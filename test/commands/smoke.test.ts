import { describe, it, before, after } from 'node:test';
import { Differential, differentialSuite } from '../helpers/differential.js';

describe('differential smoke', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('answers PING, GET and SET like Redis', async () => {
    await d.check([['PING'], ['PING', 'hello'], ['SET', 'k', 'v'], ['GET', 'k'], ['GET', 'missing'], ['NOSUCH', 'a', 'b']]);
  });

  it('names an unknown command as C prints it: up to a NUL byte, at most 128 bytes', async () => {
    await d.check([
      ['PI\0G', 'a\0b', 'c'],
      ['x'.repeat(200), 'y'.repeat(100), 'z'.repeat(100), 'w'],
      ['nosuch'],
      ['nosuch', ''],
    ]);
  });

  it('names an unknown subcommand as C prints it: up to a NUL byte', async () => {
    await d.check([
      ['COMMAND', '\0'],
      ['CONFIG', 'ab\0cd'],
      ['OBJECT', 'x\0', 'k'],
      ['CLIENT', 'y'.repeat(130) + '\0'],
      ['DEBUG', 'no\0such'],
    ]);
  });
});
