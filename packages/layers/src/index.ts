/**
 * @weft/layers — layers, the layer graph and recurrent unrolling (BPTT).
 *
 * Layers follow one contract (see `Layer`): forward into a preallocated
 * context, backward accumulating parameter gradients. Graphs of named nodes
 * are layers too; a step graph with state edges, unrolled by `Recurrent`, is
 * BPTT. `charRnn` is the report's model built from these parts.
 */
export { Param } from './param.js';
export {
  checkValue,
  float,
  formatPortType,
  ids,
  port,
  portShape,
  sameType,
  scalar,
  type Port,
  type PortKind,
  type PortType,
  type Value,
} from './port.js';
export {
  checkBatch,
  checkGradOutputs,
  checkInputs,
  resolvePropagateDown,
  zeroGrads,
  type Layer,
  type LayerContext,
  type SequenceContexts,
} from './layer.js';
export { type InitOptions } from './layers/init.js';
export { OneHotEmbedding, OneHotEmbeddingContext, type OneHotEmbeddingOptions } from './layers/one-hot-embedding.js';
export { RNNCell, RNNCellContext, RNNCellSequence, type RNNCellOptions } from './layers/rnn-cell.js';
export { Linear, LinearContext, type LinearOptions } from './layers/linear.js';
export { Softmax, SoftmaxContext } from './layers/softmax.js';
export { SoftmaxCrossEntropy, SoftmaxCrossEntropyContext } from './layers/softmax-cross-entropy.js';
export { Graph, GraphContext, GraphSequence, type GraphNode, type GraphOutput, type GraphSpec, type Source } from './graph/graph.js';
export { graph, GraphBuilder, type NodeOptions } from './graph/builder.js';
export { Recurrent, type RecurrentOptions } from './recurrent/recurrent.js';
export { schedule, type Phase } from './recurrent/partition.js';
export { charRnn, type CharRnnModel, type CharRnnOptions } from './models/char-rnn.js';
export {
  checkSamplingOptions,
  createSamplingScratch,
  generateIds,
  sampleIds,
  sampleToken,
  type GenerateOptions,
  type SamplingOptions,
  type SamplingScratch,
  type StepModel,
} from './sampling.js';
