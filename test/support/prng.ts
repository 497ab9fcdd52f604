/** The product's seeded PRNG (the demo shop uses it too), for tests that drive random sequences. */
export { prng } from '../../src/demo/prng.js';
