/**
 * docs/custom-recurrent-model.md runs: its ```ts blocks are executed in order
 * (see run-markdown.ts), and what they compute is checked here — the stacked
 * RNN the guide builds passes its gradient check, trains, and samples.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tensor from '@weft/tensor';
import * as layers from '@weft/layers';
import * as gradcheck from '@weft/gradcheck';
import type { GradcheckReport } from '@weft/gradcheck';
import { runMarkdown } from './run-markdown.js';

const here = dirname(fileURLToPath(import.meta.url));
const guide = join(here, '..', '..', '..', 'docs', 'custom-recurrent-model.md');

describe('docs/custom-recurrent-model.md', () => {
  it('runs, and its stacked RNN passes the gradient check, learns and samples', async () => {
    const { printed, values } = await runMarkdown(guide, { '@weft/tensor': tensor, '@weft/layers': layers, '@weft/gradcheck': gradcheck }, [
      'report',
      'losses',
      'rnn',
      'sampled',
      'loss',
      'K',
      'composed',
      'gruReport',
      'fusedLoss',
    ]);
    const report = values.report as GradcheckReport;
    expect(report.passed).toBe(true);
    expect(report.params.map((p) => p.name)).toEqual(['embed.U', 'lower.W', 'lower.b', 'upper.W', 'upper.Wx', 'upper.b', 'head.W', 'head.b']);
    const losses = values.losses as number[];
    expect(losses).toHaveLength(60);
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
    const rnn = values.rnn as layers.Recurrent;
    expect(rnn.phases).toEqual({ embed: 'before', lower: 'loop', upper: 'loop', head: 'after', loss: 'after' });
    const sampled = values.sampled as number[];
    expect(sampled).toHaveLength(20);
    expect(sampled.every((id) => Number.isInteger(id) && id >= 0 && id < (values.K as number))).toBe(true);
    // What the guide says it prints is what it prints.
    expect(printed).toContain('embed.U [8,12], lower.W [8,8], lower.b [8], upper.W [6,6], upper.Wx [6,8], upper.b [6], head.W [12,6], head.b [12]');
    expect(printed).toContain(JSON.stringify({ embed: 'before', lower: 'loop', upper: 'loop', head: 'after', loss: 'after' }));
    // The GRU from elementwise layers: its input side leaves the loop, it passes the check, and equals the fused cell.
    const composed = values.composed as layers.Recurrent;
    expect(composed.phases['cell/ih']).toBe('before');
    expect(composed.phases['cell/hh']).toBe('loop');
    const gruReport = values.gruReport as GradcheckReport;
    if (!gruReport.passed) console.log(gradcheck.formatReport(gruReport));
    expect(gruReport.passed).toBe(true);
    expect(gruReport.params.map((p) => p.name)).toEqual(['cell.weight_ih', 'cell.bias_ih', 'cell.weight_hh', 'cell.bias_hh', 'head.W', 'head.b']);
    expect(Number.isFinite(values.fusedLoss as number)).toBe(true);
    expect(printed).toContain('before loop');
    expect(printed.filter((line) => line === 'true').length).toBeGreaterThanOrEqual(2);
  });
});
