/**
 * The checkpoint codec validates configs with zod, which by default probes
 * `new Function` to speed up parsing. Under this page's CSP (no
 * 'unsafe-eval') the probe is refused and reported as a violation, so turn
 * it off. Imported first: zod reads the flag when a schema is built, at import.
 */
import { config } from 'zod';

config({ jitless: true });
