/** The README's ```ts snippets run (each as its own module) and do what their comments say. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tensor from '@weft/tensor';
import * as layers from '@weft/layers';
import { runTypeScript, tsBlocks } from './run-markdown.js';

const readme = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const modules = { '@weft/tensor': tensor, '@weft/layers': layers };

describe('README.md', () => {
  const blocks = tsBlocks(readme);

  it('has the two runnable snippets', () => {
    expect(blocks).toHaveLength(2);
  });

  it('quick start: a char-RNN loss near 25 · log K with the parameters U W V b c', async () => {
    const { printed, values } = await runTypeScript(blocks[0]!, modules, ['loss', 'model'], 'README block 1');
    expect(Math.abs((values.loss as number) - 25 * Math.log(20))).toBeLessThan(0.01);
    expect(printed).toEqual([`${(values.loss as number).toFixed(2)} U W V b c`]);
    expect(((values.model as layers.CharRnnModel).state.toFlatArray()).some((v) => v !== 0)).toBe(true);
  });

  it('a small graph: forward, backward, parameter names as the comment says', async () => {
    const { printed, values } = await runTypeScript(blocks[1]!, modules, ['net', 'value'], 'README block 2');
    expect(printed).toEqual(['x2h.W x2h.b hidden.W hidden.Wx hidden.b out.W out.b']);
    const net = values.net as layers.Graph;
    expect((values.value as tensor.Tensor).shape).toEqual([]);
    expect(net.parameters().every((p) => p.grad.toFlatArray().some((v) => v !== 0))).toBe(true);
  });
});
