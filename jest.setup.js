// Property-based tests draw their random shapes and values from a fixed seed,
// so every run (and CI) checks the same cases and a failure reproduces.
// To explore new cases locally: FC_SEED=<n> npm test (or FC_SEED=random).
import fc from 'fast-check';

const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261125);
fc.configureGlobal({ seed });
