import { describe, it, before, after } from 'node:test';
import { Differential, differentialSuite } from '../helpers/differential.js';

describe('differential smoke', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('answers PING, GET and SET like Redis', async () => {
    await d.check([['PING'], ['PING', 'hello'], ['SET', 'k', 'v'], ['GET', 'k'], ['GET', 'missing'], ['NOSUCH', 'a', 'b']]);
  });
});
