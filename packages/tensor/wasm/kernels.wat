;; weft's WebAssembly SIMD kernels: the module shell.
;;
;; The kernels themselves are written once, generically, in kernels.generic.wat;
;; scripts/build-wasm.mjs pastes them here twice at the `@instantiate` line:
;; once for float64 (f64x2 vectors, names ending in _f64) and once for float32
;; (f32x4 vectors, names ending in _f32), then compiles the module with wabt.
;;
;; Conventions shared by every kernel:
;; - Operands live in the imported memory; they are passed as BYTE addresses
;;   (the tensor's data.byteOffset + offset · element size). Vector loads and
;;   stores may be unaligned (a row view can start at any element).
;; - Sizes are element counts. Matrices are row-major and contiguous.
;; - The JavaScript caller has already validated shapes and aliasing (the
;;   pure-JS kernels' checks run first), so the kernels do no checking.
(module
  ;; The heap is created by JavaScript (src/wasm/heap.ts) with a fixed size
  ;; (initial = maximum), so that typed-array views on it are never detached.
  (import "env" "memory" (memory 1))

  ;; Horizontal sums of a vector: the lanes added as a balanced tree.
  (func $hsum_f64 (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
  (func $hsum_f32 (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; The horizontal sums of four vectors at once, lanes added as in $hsum: one
  ;; call where four would cost more than the additions (V8 in Node 20 does not
  ;; inline calls between wasm functions by default).
  (func $hsum4_f64 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result f64 f64 f64 f64)
    (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a)))
    (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b)))
    (f64.add (f64x2.extract_lane 0 (local.get $c)) (f64x2.extract_lane 1 (local.get $c)))
    (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d))))
  (func $hsum4_f32 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result f32 f32 f32 f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
      (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $b)) (f32x4.extract_lane 1 (local.get $b)))
      (f32.add (f32x4.extract_lane 2 (local.get $b)) (f32x4.extract_lane 3 (local.get $b))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $c)) (f32x4.extract_lane 1 (local.get $c)))
      (f32.add (f32x4.extract_lane 2 (local.get $c)) (f32x4.extract_lane 3 (local.get $c))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $d)) (f32x4.extract_lane 1 (local.get $d)))
      (f32.add (f32x4.extract_lane 2 (local.get $d)) (f32x4.extract_lane 3 (local.get $d)))))

  ;; Number of lanes counted in an integer vector (the clip counter of adagrad).
  (func $count_f64 (param $v v128) (result i32)
    (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v)))))
  (func $count_f32 (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; @instantiate kernels.generic.wat
)
