import argon2 from 'argon2';
import { passwordHashOptions } from '../../subgraphs/auth/passwords.js';
import { percentiles, printTable } from './stats.js';

/** Cost of one argon2id hash and one verification at the parameters auth uses. */
export async function benchPasswordHash(rounds = 30): Promise<void> {
  const hashTimes: number[] = [];
  let hash = '';
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    hash = await argon2.hash(`password number ${i}`, passwordHashOptions);
    hashTimes.push(performance.now() - start);
  }
  const verifyTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await argon2.verify(hash, 'a wrong password');
    verifyTimes.push(performance.now() - start);
  }
  printTable(
    `argon2id m=${passwordHashOptions.memoryCost} KiB t=${passwordHashOptions.timeCost} p=1, ${rounds} rounds (ms)`,
    {
      hash: percentiles(hashTimes),
      verify: percentiles(verifyTimes),
    },
  );
}
