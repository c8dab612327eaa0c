/**
 * The section "Write your own layer" of docs/custom-recurrent-model.md runs on
 * its own (its ```ts blocks, in order, as one module) and prints what it says:
 * its Softplus passes the gradient check and the broken copy fails it.
 * (docs-guide.test.ts runs the whole page, this section included.)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tensor from '@weft/tensor';
import * as layers from '@weft/layers';
import * as gradcheck from '@weft/gradcheck';
import { runTypeScript } from './run-markdown.js';

const here = dirname(fileURLToPath(import.meta.url));
const guide = readFileSync(join(here, '..', '..', '..', 'docs', 'custom-recurrent-model.md'), 'utf8');
const heading = '## Write your own layer';

describe('docs/custom-recurrent-model.md, "Write your own layer"', () => {
  it('runs on its own, and its Softplus passes the gradient check while the broken one fails', async () => {
    const section = guide.slice(guide.indexOf(heading));
    expect(guide.indexOf(heading)).toBeGreaterThan(0);
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(3);
    const { printed, values } = await runTypeScript(
      blocks.join('\n'),
      { '@weft/tensor': tensor, '@weft/layers': layers, '@weft/gradcheck': gradcheck },
      ['softplus', 'softplusInput', 'softplusReport', 'wrongReport'],
      heading,
    );
    // What the section says it prints is what it prints.
    expect(printed).toEqual(['["input:x"] true', 'false 1 [0,1]']);
    const softplus = values.softplus as layers.Layer;
    expect(softplus).toBeInstanceOf(layers.ParameterlessLayer);
    // The values are log(1 + eˣ), also where eˣ overflows a naive formula.
    const x = values.softplusInput as tensor.Tensor;
    const y = softplus.forward(softplus.createContext(2), [x])[0]!.toFlatArray();
    const huge = softplus.forward(softplus.createContext(1), [tensor.tensor([[800, -800, 0, 1]])])[0]!.toFlatArray();
    x.toFlatArray().forEach((v, i) => expect(Math.abs(y[i]! - Math.log1p(Math.exp(v)))).toBeLessThan(1e-15 * Math.max(1, y[i]!)));
    expect(huge).toEqual([800, 0, Math.LN2, Math.log1p(Math.E)]);
    expect((values.wrongReport as gradcheck.GradcheckReport).passed).toBe(false);
  });
});
