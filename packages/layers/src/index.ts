/**
 * @weft/layers — layers, the layer graph and recurrent unrolling (BPTT).
 *
 * Layers follow one contract (see `Layer`): forward into a preallocated
 * context, backward accumulating parameter gradients. Graphs of named nodes
 * are layers too; a step graph with state edges, unrolled by `Recurrent`, is
 * BPTT. `charRnn` builds a character-level language model (vanilla RNN, LSTM or GRU) from these parts. The
 * parameterless bricks (Add, Mul, Sigmoid, Tanh, Split, …) build any other
 * cell; `stateDict`/`loadStateDict` save and restore parameters by name;
 * `gradcheckTarget` hands a layer to @weft/gradcheck's `checkBackward`.
 *
 * @module @weft/layers
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
export { initCellParam, initUniform, type InitOptions } from './layers/init.js';
export { OneHotEmbedding, OneHotEmbeddingContext, type OneHotEmbeddingOptions } from './layers/one-hot-embedding.js';
export { RNNCell, RNNCellContext, RNNCellSequence, type RNNCellOptions } from './layers/rnn-cell.js';
export { Linear, LinearContext, LinearSequence, type LinearOptions } from './layers/linear.js';
export { Softmax, SoftmaxContext } from './layers/softmax.js';
export { ParameterlessLayer, ParameterlessContext } from './layers/parameterless.js';
export { Add } from './layers/add.js';
export { Mul } from './layers/mul.js';
export { Sigmoid } from './layers/sigmoid.js';
export { Tanh } from './layers/tanh.js';
export { ReLU } from './layers/relu.js';
export { ScaleShift } from './layers/scale-shift.js';
export { OneMinus } from './layers/one-minus.js';
export { Concat } from './layers/concat.js';
export { Split, type SplitOptions } from './layers/split.js';
export { Dropout, DropoutContext } from './layers/dropout.js';
export { SoftmaxCrossEntropy, SoftmaxCrossEntropyContext } from './layers/softmax-cross-entropy.js';
export { loadStateDict, stateDict, type HasParameters, type LoadStateDictOptions, type LoadStateDictResult } from './state-dict.js';
export { gradcheckTarget, type GradcheckEntry, type GradcheckTarget, type GradcheckTargetOptions } from './gradcheck-target.js';
export { LSTMCore, LSTMCoreContext, LSTMCoreSequence } from './cells/lstm-core.js';
export { GRUCore, GRUCoreContext, GRUCoreSequence } from './cells/gru-core.js';
export { LSTMCell } from './cells/lstm-cell.js';
export { GRUCell } from './cells/gru-cell.js';
export { type CellOptions } from './cells/cell-input.js';
export { composedGRUCell, composedLSTMCell } from './cells/composed.js';
export { Graph, GraphContext, GraphSequence, type GraphNode, type GraphOutput, type GraphSpec, type Source } from './graph/graph.js';
export { graph, GraphBuilder, type NodeOptions } from './graph/builder.js';
export { Recurrent, RecurrentContext, type RecurrentOptions } from './recurrent/recurrent.js';
export { flattenGraph } from './graph/flatten.js';
export { lossAndGradients, type LossOptions } from './run.js';
export { rowBlock, stackedView, StepRows } from './step-rows.js';
export { HiddenStates, sameStorage } from './hidden-states.js';
export { schedule, type Phase } from './recurrent/partition.js';
export { CELLS, charRnn, type CellName, type CharRnnArchitecture, type CharRnnModel, type CharRnnOptions } from './models/char-rnn.js';
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
export {
  buildReplica,
  dataParallel,
  DataParallel,
  parallelUnavailableReason,
  serveDataParallel,
  splitBatch,
  type CharRnnReplicaSpec,
  type DataParallelOptions,
  type DataParallelStats,
  type ParallelParam,
  type ReplicaBuilder,
  type ReplicaModel,
  type ReplicaParam,
  type ReplicaSpec,
  type ServeOptions,
  type Share,
  type WorkerPort,
  type WorkerScope,
} from './parallel/index.js';
