;; The kernels, written once for both element types. scripts/build-wasm.mjs
;; replaces these placeholders and pastes the result into kernels.wat:
;;
;;   placeholder   float64    float32   meaning
;;   <T>           f64        f32       scalar type
;;   <V>           f64x2      f32x4     vector interpretation of a v128
;;   <I>           i64x2      i32x4     integer lanes of the same width (masks)
;;   <S>           8          4         bytes per element
;;   <S2>, <S3>    16, 24     8, 12     bytes of 2 and 3 elements
;;   <SH>          3          2         log2 of <S> (element index → byte offset)
;;   <L>           2          4         lanes per vector
;;   <L2>          4          8         elements in two vectors
;;   <SPLAT>       v128.load64_splat  v128.load32_splat  load one element into every lane
;;   <X>           _f64       _f32      suffix of every name
;;   <DOT4>        $dot4_f64  $dot4v_f32    four dot products into out[0..4) (float32: one vector store)
;;   <DOT2X4>      $dot2x4_f64  $dot2x4v_f32  gemm NT's 2×4 block (float32: vector stores; both in kernels.wat)
;;
;; Loop shape everywhere: a vector loop over the first n & -L elements
;; (16 bytes per iteration), then a scalar loop over the remainder.
;; matvecT and addOuter compute each element with the same operations in the
;; same order as the JavaScript kernels, lane by lane, so their float64 results
;; are bit-identical to the pure-JS path. matvec and gemm NT sum per lane, then
;; across lanes; gemm NN/TN sums the whole inner dimension in registers before
;; scaling by alpha: these agree with the JS kernels to rounding (tested to 1e-12).

  ;; y[0..n) += s · x[0..n)   (y, x byte addresses)
  (func $axpy<X> (param $y i32) (param $x i32) (param $n i32) (param $s <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $sv v128)
    (local.set $sv (<V>.splat (local.get $s)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (v128.store (i32.add (local.get $y) (local.get $j))
          (<V>.add
            (v128.load (i32.add (local.get $y) (local.get $j)))
            (<V>.mul (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $sv))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (<T>.store (i32.add (local.get $y) (local.get $j))
          (<T>.add
            (<T>.load (i32.add (local.get $y) (local.get $j)))
            (<T>.mul (<T>.load (i32.add (local.get $x) (local.get $j))) (local.get $s))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; y[j] += ((r0[j]·s0 + r1[j]·s1) + r2[j]·s2) + r3[j]·s3 for j < n:
  ;; four scaled rows added into y in one pass (halves the loads and stores of y).
  ;; Two vectors per iteration first (the second at offset 16: one set of
  ;; address computations for both, about 7 % faster at n = 100), then one.
  (func $axpy4<X> (param $y i32) (param $r0 i32) (param $r1 i32) (param $r2 i32) (param $r3 i32)
    (param $s0 <T>) (param $s1 <T>) (param $s2 <T>) (param $s3 <T>) (param $n i32)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $pairEnd i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $py i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $v0 (<V>.splat (local.get $s0)))
    (local.set $v1 (<V>.splat (local.get $s1)))
    (local.set $v2 (<V>.splat (local.get $s2)))
    (local.set $v3 (<V>.splat (local.get $s3)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    ;; two vectors per iteration (the same operations per element): the five
    ;; address additions and the loop test are shared by sixteen vector operations
    (local.set $pairEnd (i32.shl (i32.and (local.get $n) (i32.const -<L2>)) (i32.const <SH>)))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $j) (local.get $pairEnd)))
        (local.set $p0 (i32.add (local.get $r0) (local.get $j)))
        (local.set $p1 (i32.add (local.get $r1) (local.get $j)))
        (local.set $p2 (i32.add (local.get $r2) (local.get $j)))
        (local.set $p3 (i32.add (local.get $r3) (local.get $j)))
        (local.set $py (i32.add (local.get $y) (local.get $j)))
        (v128.store (local.get $py)
          (<V>.add
            (v128.load (local.get $py))
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load (local.get $p0)) (local.get $v0))
                  (<V>.mul (v128.load (local.get $p1)) (local.get $v1)))
                (<V>.mul (v128.load (local.get $p2)) (local.get $v2)))
              (<V>.mul (v128.load (local.get $p3)) (local.get $v3)))))
        (v128.store offset=16 (local.get $py)
          (<V>.add
            (v128.load offset=16 (local.get $py))
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load offset=16 (local.get $p0)) (local.get $v0))
                  (<V>.mul (v128.load offset=16 (local.get $p1)) (local.get $v1)))
                (<V>.mul (v128.load offset=16 (local.get $p2)) (local.get $v2)))
              (<V>.mul (v128.load offset=16 (local.get $p3)) (local.get $v3)))))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $ploop)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (v128.store (i32.add (local.get $y) (local.get $j))
          (<V>.add
            (v128.load (i32.add (local.get $y) (local.get $j)))
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load (i32.add (local.get $r0) (local.get $j))) (local.get $v0))
                  (<V>.mul (v128.load (i32.add (local.get $r1) (local.get $j))) (local.get $v1)))
                (<V>.mul (v128.load (i32.add (local.get $r2) (local.get $j))) (local.get $v2)))
              (<V>.mul (v128.load (i32.add (local.get $r3) (local.get $j))) (local.get $v3)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (<T>.store (i32.add (local.get $y) (local.get $j))
          (<T>.add
            (<T>.load (i32.add (local.get $y) (local.get $j)))
            (<T>.add
              (<T>.add
                (<T>.add
                  (<T>.mul (<T>.load (i32.add (local.get $r0) (local.get $j))) (local.get $s0))
                  (<T>.mul (<T>.load (i32.add (local.get $r1) (local.get $j))) (local.get $s1)))
                (<T>.mul (<T>.load (i32.add (local.get $r2) (local.get $j))) (local.get $s2)))
              (<T>.mul (<T>.load (i32.add (local.get $r3) (local.get $j))) (local.get $s3)))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; *o = alpha·s, or alpha·s + beta·(*o) when beta ≠ 0 (BLAS: beta = 0 never reads out).
  (func $store<X> (param $o i32) (param $s <T>) (param $alpha <T>) (param $beta <T>)
    (if (<T>.eq (local.get $beta) (<T>.const 0))
      (then (<T>.store (local.get $o) (<T>.mul (local.get $alpha) (local.get $s))))
      (else
        (<T>.store (local.get $o)
          (<T>.add
            (<T>.mul (local.get $alpha) (local.get $s))
            (<T>.mul (local.get $beta) (<T>.load (local.get $o))))))))

  ;; o[0] = alpha·(r0·x) (+ beta·o[0]): one dot product of length n.
  (func $dot1<X> (param $o i32) (param $r0 i32) (param $x i32) (param $n i32) (param $alpha <T>) (param $beta <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $acc v128) (local $s <T>)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $acc
          (<V>.add (local.get $acc)
            (<V>.mul
              (v128.load (i32.add (local.get $r0) (local.get $j)))
              (v128.load (i32.add (local.get $x) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (local.set $s (call $hsum<X> (local.get $acc)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $s
          (<T>.add (local.get $s)
            (<T>.mul
              (<T>.load (i32.add (local.get $r0) (local.get $j)))
              (<T>.load (i32.add (local.get $x) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop)))
    (call $store<X> (local.get $o) (local.get $s) (local.get $alpha) (local.get $beta)))

  ;; o[q] = alpha·(rq·x) (+ beta·o[q]) for q = 0..3, with o[q] at o + q·ostep bytes:
  ;; four dot products sharing each load of x.
  (func $dot4<X> (param $o i32) (param $ostep i32) (param $r0 i32) (param $rstep i32) (param $x i32) (param $n i32)
    (param $alpha <T>) (param $beta <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $xv v128) (local $xs <T>)
    (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $xw v128) (local $pairEnd i32)
    (local $s0 <T>) (local $s1 <T>) (local $s2 <T>) (local $s3 <T>) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local.set $r1 (i32.add (local.get $r0) (local.get $rstep)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $rstep)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $rstep)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    ;; Two vectors per iteration into two accumulators per row: eight independent
    ;; add chains hide the latency of vector adds.
    (local.set $pairEnd (i32.shl (i32.and (local.get $n) (i32.const -<L2>)) (i32.const <SH>)))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $j) (local.get $pairEnd)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $j))))
        (local.set $xw (v128.load offset=16 (i32.add (local.get $x) (local.get $j))))
        (local.set $a0 (<V>.add (local.get $a0) (<V>.mul (v128.load (i32.add (local.get $r0) (local.get $j))) (local.get $xv))))
        (local.set $b0 (<V>.add (local.get $b0) (<V>.mul (v128.load offset=16 (i32.add (local.get $r0) (local.get $j))) (local.get $xw))))
        (local.set $a1 (<V>.add (local.get $a1) (<V>.mul (v128.load (i32.add (local.get $r1) (local.get $j))) (local.get $xv))))
        (local.set $b1 (<V>.add (local.get $b1) (<V>.mul (v128.load offset=16 (i32.add (local.get $r1) (local.get $j))) (local.get $xw))))
        (local.set $a2 (<V>.add (local.get $a2) (<V>.mul (v128.load (i32.add (local.get $r2) (local.get $j))) (local.get $xv))))
        (local.set $b2 (<V>.add (local.get $b2) (<V>.mul (v128.load offset=16 (i32.add (local.get $r2) (local.get $j))) (local.get $xw))))
        (local.set $a3 (<V>.add (local.get $a3) (<V>.mul (v128.load (i32.add (local.get $r3) (local.get $j))) (local.get $xv))))
        (local.set $b3 (<V>.add (local.get $b3) (<V>.mul (v128.load offset=16 (i32.add (local.get $r3) (local.get $j))) (local.get $xw))))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $ploop)))
    (local.set $a0 (<V>.add (local.get $a0) (local.get $b0)))
    (local.set $a1 (<V>.add (local.get $a1) (local.get $b1)))
    (local.set $a2 (<V>.add (local.get $a2) (local.get $b2)))
    (local.set $a3 (<V>.add (local.get $a3) (local.get $b3)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $j))))
        (local.set $a0 (<V>.add (local.get $a0) (<V>.mul (v128.load (i32.add (local.get $r0) (local.get $j))) (local.get $xv))))
        (local.set $a1 (<V>.add (local.get $a1) (<V>.mul (v128.load (i32.add (local.get $r1) (local.get $j))) (local.get $xv))))
        (local.set $a2 (<V>.add (local.get $a2) (<V>.mul (v128.load (i32.add (local.get $r2) (local.get $j))) (local.get $xv))))
        (local.set $a3 (<V>.add (local.get $a3) (<V>.mul (v128.load (i32.add (local.get $r3) (local.get $j))) (local.get $xv))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (call $hsum4<X> (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3))
    (local.set $s3) (local.set $s2) (local.set $s1) (local.set $s0)
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $xs (<T>.load (i32.add (local.get $x) (local.get $j))))
        (local.set $s0 (<T>.add (local.get $s0) (<T>.mul (<T>.load (i32.add (local.get $r0) (local.get $j))) (local.get $xs))))
        (local.set $s1 (<T>.add (local.get $s1) (<T>.mul (<T>.load (i32.add (local.get $r1) (local.get $j))) (local.get $xs))))
        (local.set $s2 (<T>.add (local.get $s2) (<T>.mul (<T>.load (i32.add (local.get $r2) (local.get $j))) (local.get $xs))))
        (local.set $s3 (<T>.add (local.get $s3) (<T>.mul (<T>.load (i32.add (local.get $r3) (local.get $j))) (local.get $xs))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop)))
    ;; the stores of $store, written out: one test of beta instead of four calls
    (local.set $o1 (i32.add (local.get $o) (local.get $ostep)))
    (local.set $o2 (i32.add (local.get $o1) (local.get $ostep)))
    (local.set $o3 (i32.add (local.get $o2) (local.get $ostep)))
    (if (<T>.eq (local.get $beta) (<T>.const 0))
      (then
        (<T>.store (local.get $o) (<T>.mul (local.get $alpha) (local.get $s0)))
        (<T>.store (local.get $o1) (<T>.mul (local.get $alpha) (local.get $s1)))
        (<T>.store (local.get $o2) (<T>.mul (local.get $alpha) (local.get $s2)))
        (<T>.store (local.get $o3) (<T>.mul (local.get $alpha) (local.get $s3))))
      (else
        (<T>.store (local.get $o)
          (<T>.add (<T>.mul (local.get $alpha) (local.get $s0)) (<T>.mul (local.get $beta) (<T>.load (local.get $o)))))
        (<T>.store (local.get $o1)
          (<T>.add (<T>.mul (local.get $alpha) (local.get $s1)) (<T>.mul (local.get $beta) (<T>.load (local.get $o1)))))
        (<T>.store (local.get $o2)
          (<T>.add (<T>.mul (local.get $alpha) (local.get $s2)) (<T>.mul (local.get $beta) (<T>.load (local.get $o2)))))
        (<T>.store (local.get $o3)
          (<T>.add (<T>.mul (local.get $alpha) (local.get $s3)) (<T>.mul (local.get $beta) (<T>.load (local.get $o3))))))))


  ;; out tile [4 rows, 2 vectors] += alpha · Σ_k op(A)[i+q, k] · B[k, j .. j+2L):
  ;; eight vector accumulators stay in registers over the whole k loop, so each
  ;; pair of B loads feeds eight multiply-adds and out is read and written once.
  ;; c: &out[i, j]; cStep: bytes per out row; a: &op(A)[i, 0]; aRowB, aColB: byte
  ;; steps of op(A) per row and per k; b: &B[0, j]; bStep: bytes per B row.
  (func $tile4x2<X> (param $c i32) (param $cStep i32) (param $a i32) (param $aRowB i32) (param $aColB i32)
    (param $b i32) (param $bStep i32) (param $K i32) (param $alpha <T>)
    (local $k i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $v0 v128) (local $v1 v128) (local $s v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128) (local $al v128) (local $o i32)
    (local.set $p0 (local.get $a))
    (local.set $p1 (i32.add (local.get $p0) (local.get $aRowB)))
    (local.set $p2 (i32.add (local.get $p1) (local.get $aRowB)))
    (local.set $p3 (i32.add (local.get $p2) (local.get $aRowB)))
    (block $done
      (loop $ks
        (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $v0 (v128.load (local.get $b)))
        (local.set $v1 (v128.load offset=16 (local.get $b)))
        (local.set $s (<SPLAT> (local.get $p0)))
        (local.set $c00 (<V>.add (local.get $c00) (<V>.mul (local.get $s) (local.get $v0))))
        (local.set $c01 (<V>.add (local.get $c01) (<V>.mul (local.get $s) (local.get $v1))))
        (local.set $s (<SPLAT> (local.get $p1)))
        (local.set $c10 (<V>.add (local.get $c10) (<V>.mul (local.get $s) (local.get $v0))))
        (local.set $c11 (<V>.add (local.get $c11) (<V>.mul (local.get $s) (local.get $v1))))
        (local.set $s (<SPLAT> (local.get $p2)))
        (local.set $c20 (<V>.add (local.get $c20) (<V>.mul (local.get $s) (local.get $v0))))
        (local.set $c21 (<V>.add (local.get $c21) (<V>.mul (local.get $s) (local.get $v1))))
        (local.set $s (<SPLAT> (local.get $p3)))
        (local.set $c30 (<V>.add (local.get $c30) (<V>.mul (local.get $s) (local.get $v0))))
        (local.set $c31 (<V>.add (local.get $c31) (<V>.mul (local.get $s) (local.get $v1))))
        (local.set $p0 (i32.add (local.get $p0) (local.get $aColB)))
        (local.set $p1 (i32.add (local.get $p1) (local.get $aColB)))
        (local.set $p2 (i32.add (local.get $p2) (local.get $aColB)))
        (local.set $p3 (i32.add (local.get $p3) (local.get $aColB)))
        (local.set $b (i32.add (local.get $b) (local.get $bStep)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $ks)))
    (local.set $al (<V>.splat (local.get $alpha)))
    (local.set $o (local.get $c))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c00))))
    (v128.store offset=16 (local.get $o) (<V>.add (v128.load offset=16 (local.get $o)) (<V>.mul (local.get $al) (local.get $c01))))
    (local.set $o (i32.add (local.get $o) (local.get $cStep)))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c10))))
    (v128.store offset=16 (local.get $o) (<V>.add (v128.load offset=16 (local.get $o)) (<V>.mul (local.get $al) (local.get $c11))))
    (local.set $o (i32.add (local.get $o) (local.get $cStep)))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c20))))
    (v128.store offset=16 (local.get $o) (<V>.add (v128.load offset=16 (local.get $o)) (<V>.mul (local.get $al) (local.get $c21))))
    (local.set $o (i32.add (local.get $o) (local.get $cStep)))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c30))))
    (v128.store offset=16 (local.get $o) (<V>.add (v128.load offset=16 (local.get $o)) (<V>.mul (local.get $al) (local.get $c31)))))

;; out tile [4 rows, 1 vector] += alpha · Σ_k op(A)[i+q, k] · B[k, j .. j+L): $tile4x2
  ;; for the vector of columns left over by it (the same operations per element),
  ;; so that at most L − 1 columns take the scalar $colDot (float32, N = 100: 4
  ;; columns, which cost as much as a third of the whole product through $colDot).
  (func $tile4x1<X> (param $c i32) (param $cStep i32) (param $a i32) (param $aRowB i32) (param $aColB i32)
    (param $b i32) (param $bStep i32) (param $K i32) (param $alpha <T>)
    (local $k i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $v0 v128)
    (local $c00 v128) (local $c10 v128) (local $c20 v128) (local $c30 v128) (local $al v128) (local $o i32)
    (local.set $p0 (local.get $a))
    (local.set $p1 (i32.add (local.get $p0) (local.get $aRowB)))
    (local.set $p2 (i32.add (local.get $p1) (local.get $aRowB)))
    (local.set $p3 (i32.add (local.get $p2) (local.get $aRowB)))
    (block $done
      (loop $ks
        (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $v0 (v128.load (local.get $b)))
        (local.set $c00 (<V>.add (local.get $c00) (<V>.mul (<SPLAT> (local.get $p0)) (local.get $v0))))
        (local.set $c10 (<V>.add (local.get $c10) (<V>.mul (<SPLAT> (local.get $p1)) (local.get $v0))))
        (local.set $c20 (<V>.add (local.get $c20) (<V>.mul (<SPLAT> (local.get $p2)) (local.get $v0))))
        (local.set $c30 (<V>.add (local.get $c30) (<V>.mul (<SPLAT> (local.get $p3)) (local.get $v0))))
        (local.set $p0 (i32.add (local.get $p0) (local.get $aColB)))
        (local.set $p1 (i32.add (local.get $p1) (local.get $aColB)))
        (local.set $p2 (i32.add (local.get $p2) (local.get $aColB)))
        (local.set $p3 (i32.add (local.get $p3) (local.get $aColB)))
        (local.set $b (i32.add (local.get $b) (local.get $bStep)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $ks)))
    (local.set $al (<V>.splat (local.get $alpha)))
    (local.set $o (local.get $c))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c00))))
    (local.set $o (i32.add (local.get $o) (local.get $cStep)))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c10))))
    (local.set $o (i32.add (local.get $o) (local.get $cStep)))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c20))))
    (local.set $o (i32.add (local.get $o) (local.get $cStep)))
    (v128.store (local.get $o) (<V>.add (v128.load (local.get $o)) (<V>.mul (local.get $al) (local.get $c30)))))

  ;; *c += alpha · Σ_k A[k] · B[k] with A and B strided (aColB, bStep bytes): one
  ;; element of out for the columns left over by $tile4x2 and $tile4x1.
  (func $colDot<X> (param $c i32) (param $a i32) (param $aColB i32) (param $b i32) (param $bStep i32) (param $K i32) (param $alpha <T>)
    (local $k i32) (local $s <T>)
    (block $done
      (loop $ks
        (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $s (<T>.add (local.get $s) (<T>.mul (<T>.load (local.get $a)) (<T>.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (local.get $aColB)))
        (local.set $b (i32.add (local.get $b) (local.get $bStep)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $ks)))
    (<T>.store (local.get $c) (<T>.add (<T>.load (local.get $c)) (<T>.mul (local.get $alpha) (local.get $s)))))

  ;; o0[q] += alpha·(a0·r_q), o1[q] += alpha·(a1·r_q) for q = 0..3, vectors of length n,
  ;; r_q at r0 + q·rstep bytes: two rows of A against four rows of B, eight
  ;; accumulators, six loads per eight vector multiply-adds.
  (func $dot2x4<X> (param $o0 i32) (param $o1 i32) (param $a0 i32) (param $a1 i32) (param $r0 i32) (param $rstep i32)
    (param $n i32) (param $alpha <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $x v128) (local $y v128) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $xs <T>) (local $ys <T>) (local $v <T>)
    (local $S0 <T>) (local $S1 <T>) (local $S2 <T>) (local $S3 <T>)
    (local $T0 <T>) (local $T1 <T>) (local $T2 <T>) (local $T3 <T>)
    (local.set $r1 (i32.add (local.get $r0) (local.get $rstep)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $rstep)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $rstep)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $x (v128.load (i32.add (local.get $a0) (local.get $j))))
        (local.set $y (v128.load (i32.add (local.get $a1) (local.get $j))))
        (local.set $w0 (v128.load (i32.add (local.get $r0) (local.get $j))))
        (local.set $w1 (v128.load (i32.add (local.get $r1) (local.get $j))))
        (local.set $w2 (v128.load (i32.add (local.get $r2) (local.get $j))))
        (local.set $w3 (v128.load (i32.add (local.get $r3) (local.get $j))))
        (local.set $s0 (<V>.add (local.get $s0) (<V>.mul (local.get $x) (local.get $w0))))
        (local.set $s1 (<V>.add (local.get $s1) (<V>.mul (local.get $x) (local.get $w1))))
        (local.set $s2 (<V>.add (local.get $s2) (<V>.mul (local.get $x) (local.get $w2))))
        (local.set $s3 (<V>.add (local.get $s3) (<V>.mul (local.get $x) (local.get $w3))))
        (local.set $t0 (<V>.add (local.get $t0) (<V>.mul (local.get $y) (local.get $w0))))
        (local.set $t1 (<V>.add (local.get $t1) (<V>.mul (local.get $y) (local.get $w1))))
        (local.set $t2 (<V>.add (local.get $t2) (<V>.mul (local.get $y) (local.get $w2))))
        (local.set $t3 (<V>.add (local.get $t3) (<V>.mul (local.get $y) (local.get $w3))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (call $hsum4<X> (local.get $s0) (local.get $s1) (local.get $s2) (local.get $s3))
    (local.set $S3) (local.set $S2) (local.set $S1) (local.set $S0)
    (call $hsum4<X> (local.get $t0) (local.get $t1) (local.get $t2) (local.get $t3))
    (local.set $T3) (local.set $T2) (local.set $T1) (local.set $T0)
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $xs (<T>.load (i32.add (local.get $a0) (local.get $j))))
        (local.set $ys (<T>.load (i32.add (local.get $a1) (local.get $j))))
        (local.set $v (<T>.load (i32.add (local.get $r0) (local.get $j))))
        (local.set $S0 (<T>.add (local.get $S0) (<T>.mul (local.get $xs) (local.get $v))))
        (local.set $T0 (<T>.add (local.get $T0) (<T>.mul (local.get $ys) (local.get $v))))
        (local.set $v (<T>.load (i32.add (local.get $r1) (local.get $j))))
        (local.set $S1 (<T>.add (local.get $S1) (<T>.mul (local.get $xs) (local.get $v))))
        (local.set $T1 (<T>.add (local.get $T1) (<T>.mul (local.get $ys) (local.get $v))))
        (local.set $v (<T>.load (i32.add (local.get $r2) (local.get $j))))
        (local.set $S2 (<T>.add (local.get $S2) (<T>.mul (local.get $xs) (local.get $v))))
        (local.set $T2 (<T>.add (local.get $T2) (<T>.mul (local.get $ys) (local.get $v))))
        (local.set $v (<T>.load (i32.add (local.get $r3) (local.get $j))))
        (local.set $S3 (<T>.add (local.get $S3) (<T>.mul (local.get $xs) (local.get $v))))
        (local.set $T3 (<T>.add (local.get $T3) (<T>.mul (local.get $ys) (local.get $v))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop)))
    (<T>.store (local.get $o0) (<T>.add (<T>.load (local.get $o0)) (<T>.mul (local.get $alpha) (local.get $S0))))
    (<T>.store offset=<S> (local.get $o0) (<T>.add (<T>.load offset=<S> (local.get $o0)) (<T>.mul (local.get $alpha) (local.get $S1))))
    (<T>.store offset=<S2> (local.get $o0) (<T>.add (<T>.load offset=<S2> (local.get $o0)) (<T>.mul (local.get $alpha) (local.get $S2))))
    (<T>.store offset=<S3> (local.get $o0) (<T>.add (<T>.load offset=<S3> (local.get $o0)) (<T>.mul (local.get $alpha) (local.get $S3))))
    (<T>.store (local.get $o1) (<T>.add (<T>.load (local.get $o1)) (<T>.mul (local.get $alpha) (local.get $T0))))
    (<T>.store offset=<S> (local.get $o1) (<T>.add (<T>.load offset=<S> (local.get $o1)) (<T>.mul (local.get $alpha) (local.get $T1))))
    (<T>.store offset=<S2> (local.get $o1) (<T>.add (<T>.load offset=<S2> (local.get $o1)) (<T>.mul (local.get $alpha) (local.get $T2))))
    (<T>.store offset=<S3> (local.get $o1) (<T>.add (<T>.load offset=<S3> (local.get $o1)) (<T>.mul (local.get $alpha) (local.get $T3)))))

  ;; out = alpha·A x + beta·out, A [m, n]; out has m elements, x has n.
  (func (export "matvec<X>") (param $out i32) (param $a i32) (param $x i32) (param $m i32) (param $n i32)
    (param $alpha <T>) (param $beta <T>)
    (local $i i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const <SH>)))
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (call <DOT4>
          (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const <SH>))) (i32.const <S>)
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))) (local.get $rowBytes)
          (local.get $x) (local.get $n) (local.get $alpha) (local.get $beta))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (call $dot1<X>
          (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const <SH>)))
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes)))
          (local.get $x) (local.get $n) (local.get $alpha) (local.get $beta))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

;; y[j] += (((r0[j]·s0 + r1[j]·s1) + r2[j]·s2) + r3[j]·s3), then
  ;; y[j] += (((r4[j]·s4 + …) + r6[j]·s6) + r7[j]·s7), for j < n, with rows
  ;; r_q = r0 + q·rowBytes and s_q = alpha·x[q]: two passes of $axpy4 done in
  ;; one (the same operations in the same order), so that y is loaded and
  ;; stored once per eight rows; two vectors per iteration.
  (func $axpy8<X> (param $y i32) (param $r0 i32) (param $rowBytes i32) (param $xi i32) (param $alpha <T>) (param $n i32)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $pairEnd i32) (local $py i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32)
    (local $s0 <T>) (local $s1 <T>) (local $s2 <T>) (local $s3 <T>) (local $s4 <T>) (local $s5 <T>) (local $s6 <T>) (local $s7 <T>)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (local $t v128) (local $ts <T>)
    (local.set $s0 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 0) (i32.const <SH>))))))
    (local.set $v0 (<V>.splat (local.get $s0)))
    (local.set $s1 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 1) (i32.const <SH>))))))
    (local.set $v1 (<V>.splat (local.get $s1)))
    (local.set $s2 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 2) (i32.const <SH>))))))
    (local.set $v2 (<V>.splat (local.get $s2)))
    (local.set $s3 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 3) (i32.const <SH>))))))
    (local.set $v3 (<V>.splat (local.get $s3)))
    (local.set $s4 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 4) (i32.const <SH>))))))
    (local.set $v4 (<V>.splat (local.get $s4)))
    (local.set $s5 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 5) (i32.const <SH>))))))
    (local.set $v5 (<V>.splat (local.get $s5)))
    (local.set $s6 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 6) (i32.const <SH>))))))
    (local.set $v6 (<V>.splat (local.get $s6)))
    (local.set $s7 (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.shl (i32.const 7) (i32.const <SH>))))))
    (local.set $v7 (<V>.splat (local.get $s7)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (local.set $pairEnd (i32.shl (i32.and (local.get $n) (i32.const -<L2>)) (i32.const <SH>)))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $j) (local.get $pairEnd)))
        (local.set $py (i32.add (local.get $y) (local.get $j)))
        (local.set $p0 (i32.add (local.get $r0) (local.get $j)))
        (local.set $p1 (i32.add (local.get $p0) (local.get $rowBytes)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $rowBytes)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $rowBytes)))
        (local.set $p4 (i32.add (local.get $p3) (local.get $rowBytes)))
        (local.set $p5 (i32.add (local.get $p4) (local.get $rowBytes)))
        (local.set $p6 (i32.add (local.get $p5) (local.get $rowBytes)))
        (local.set $p7 (i32.add (local.get $p6) (local.get $rowBytes)))
        (local.set $t (<V>.add (v128.load (local.get $py))
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load (local.get $p0)) (local.get $v0))
                  (<V>.mul (v128.load (local.get $p1)) (local.get $v1)))
                (<V>.mul (v128.load (local.get $p2)) (local.get $v2)))
              (<V>.mul (v128.load (local.get $p3)) (local.get $v3)))))
        (v128.store (local.get $py) (<V>.add (local.get $t)
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load (local.get $p4)) (local.get $v4))
                  (<V>.mul (v128.load (local.get $p5)) (local.get $v5)))
                (<V>.mul (v128.load (local.get $p6)) (local.get $v6)))
              (<V>.mul (v128.load (local.get $p7)) (local.get $v7)))))
        (local.set $t (<V>.add (v128.load offset=16 (local.get $py))
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load offset=16 (local.get $p0)) (local.get $v0))
                  (<V>.mul (v128.load offset=16 (local.get $p1)) (local.get $v1)))
                (<V>.mul (v128.load offset=16 (local.get $p2)) (local.get $v2)))
              (<V>.mul (v128.load offset=16 (local.get $p3)) (local.get $v3)))))
        (v128.store offset=16 (local.get $py) (<V>.add (local.get $t)
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load offset=16 (local.get $p4)) (local.get $v4))
                  (<V>.mul (v128.load offset=16 (local.get $p5)) (local.get $v5)))
                (<V>.mul (v128.load offset=16 (local.get $p6)) (local.get $v6)))
              (<V>.mul (v128.load offset=16 (local.get $p7)) (local.get $v7)))))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $ploop)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $py (i32.add (local.get $y) (local.get $j)))
        (local.set $p0 (i32.add (local.get $r0) (local.get $j)))
        (local.set $p1 (i32.add (local.get $p0) (local.get $rowBytes)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $rowBytes)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $rowBytes)))
        (local.set $p4 (i32.add (local.get $p3) (local.get $rowBytes)))
        (local.set $p5 (i32.add (local.get $p4) (local.get $rowBytes)))
        (local.set $p6 (i32.add (local.get $p5) (local.get $rowBytes)))
        (local.set $p7 (i32.add (local.get $p6) (local.get $rowBytes)))
        (local.set $t (<V>.add (v128.load (local.get $py))
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load (local.get $p0)) (local.get $v0))
                  (<V>.mul (v128.load (local.get $p1)) (local.get $v1)))
                (<V>.mul (v128.load (local.get $p2)) (local.get $v2)))
              (<V>.mul (v128.load (local.get $p3)) (local.get $v3)))))
        (v128.store (local.get $py) (<V>.add (local.get $t)
            (<V>.add
              (<V>.add
                (<V>.add
                  (<V>.mul (v128.load (local.get $p4)) (local.get $v4))
                  (<V>.mul (v128.load (local.get $p5)) (local.get $v5)))
                (<V>.mul (v128.load (local.get $p6)) (local.get $v6)))
              (<V>.mul (v128.load (local.get $p7)) (local.get $v7)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $py (i32.add (local.get $y) (local.get $j)))
        (local.set $p0 (i32.add (local.get $r0) (local.get $j)))
        (local.set $p1 (i32.add (local.get $p0) (local.get $rowBytes)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $rowBytes)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $rowBytes)))
        (local.set $p4 (i32.add (local.get $p3) (local.get $rowBytes)))
        (local.set $p5 (i32.add (local.get $p4) (local.get $rowBytes)))
        (local.set $p6 (i32.add (local.get $p5) (local.get $rowBytes)))
        (local.set $p7 (i32.add (local.get $p6) (local.get $rowBytes)))
        (local.set $ts (<T>.add (<T>.load (local.get $py))
            (<T>.add
              (<T>.add
                (<T>.add
                  (<T>.mul (<T>.load (local.get $p0)) (local.get $s0))
                  (<T>.mul (<T>.load (local.get $p1)) (local.get $s1)))
                (<T>.mul (<T>.load (local.get $p2)) (local.get $s2)))
              (<T>.mul (<T>.load (local.get $p3)) (local.get $s3)))))
        (<T>.store (local.get $py) (<T>.add (local.get $ts)
            (<T>.add
              (<T>.add
                (<T>.add
                  (<T>.mul (<T>.load (local.get $p4)) (local.get $s4))
                  (<T>.mul (<T>.load (local.get $p5)) (local.get $s5)))
                (<T>.mul (<T>.load (local.get $p6)) (local.get $s6)))
              (<T>.mul (<T>.load (local.get $p7)) (local.get $s7)))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; out += alpha·Aᵀ x, A [m, n]; out has n elements, x has m: eight rows per
  ;; pass, then four, then one. (The caller scales out by beta first.)
  (func (export "matvecTAcc<X>") (param $out i32) (param $a i32) (param $x i32) (param $m i32) (param $n i32)
    (param $alpha <T>)
    (local $i i32) (local $rowBytes i32) (local $r i32) (local $xi i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const <SH>)))
    (block $done8
      (loop $rows8
        (br_if $done8 (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $m)))
        (call $axpy8<X> (local.get $out)
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))) (local.get $rowBytes)
          (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const <SH>))) (local.get $alpha) (local.get $n))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $rows8)))
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $r (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $xi (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const <SH>))))
        (call $axpy4<X> (local.get $out)
          (local.get $r)
          (i32.add (local.get $r) (local.get $rowBytes))
          (i32.add (local.get $r) (i32.shl (local.get $rowBytes) (i32.const 1)))
          (i32.add (local.get $r) (i32.mul (local.get $rowBytes) (i32.const 3)))
          (<T>.mul (local.get $alpha) (<T>.load (local.get $xi)))
          (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.const <S>))))
          (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.const <S2>))))
          (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $xi) (i32.const <S3>))))
          (local.get $n))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (call $axpy<X> (local.get $out)
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes)))
          (local.get $n)
          (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const <SH>))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; out += alpha · op(A) B, out [M, N], B [K, N] row-major; op(A)[i, k] is the
  ;; element at A + (i·aRow + k·aCol) elements (aRow = K, aCol = 1 for A [M, K];
  ;; aRow = 1, aCol = M for Aᵀ with A [K, M]). The caller scales out by beta first.
  (func (export "gemmAcc<X>") (param $out i32) (param $a i32) (param $b i32) (param $M i32) (param $N i32) (param $K i32)
    (param $aRow i32) (param $aCol i32) (param $alpha <T>)
    (local $i i32) (local $k i32) (local $ci i32) (local $ai i32) (local $bk i32) (local $rowBytes i32) (local $colBytes i32)
    (local $aRowBytes i32) (local $j i32) (local $q i32)
    (local.set $rowBytes (i32.shl (local.get $N) (i32.const <SH>)))
    (local.set $colBytes (i32.shl (local.get $aCol) (i32.const <SH>)))
    (local.set $aRowBytes (i32.shl (local.get $aRow) (i32.const <SH>)))
    ;; Blocks of four rows: register tiles of 2 vectors, then of 1, then leftover columns one by one.
    (block $done4I
      (loop $rows4I
        (br_if $done4I (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $M)))
        (local.set $ci (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRowBytes))))
        (local.set $j (i32.const 0))
        (block $doneJ2
          (loop $j2
            (br_if $doneJ2 (i32.gt_u (i32.add (local.get $j) (i32.const <L2>)) (local.get $N)))
            (call $tile4x2<X>
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const <SH>))) (local.get $rowBytes)
              (local.get $ai) (local.get $aRowBytes) (local.get $colBytes)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const <SH>))) (local.get $rowBytes)
              (local.get $K) (local.get $alpha))
            (local.set $j (i32.add (local.get $j) (i32.const <L2>)))
            (br $j2)))
        (if (i32.le_u (i32.add (local.get $j) (i32.const <L>)) (local.get $N))
          (then
            (call $tile4x1<X>
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const <SH>))) (local.get $rowBytes)
              (local.get $ai) (local.get $aRowBytes) (local.get $colBytes)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const <SH>))) (local.get $rowBytes)
              (local.get $K) (local.get $alpha))
            (local.set $j (i32.add (local.get $j) (i32.const <L>)))))
        (block $doneJ1
          (loop $j1
            (br_if $doneJ1 (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $q (i32.const 0))
            (block $doneQ
              (loop $qs
                (br_if $doneQ (i32.ge_u (local.get $q) (i32.const 4)))
                (call $colDot<X>
                  (i32.add (i32.add (local.get $ci) (i32.mul (local.get $q) (local.get $rowBytes))) (i32.shl (local.get $j) (i32.const <SH>)))
                  (i32.add (local.get $ai) (i32.mul (local.get $q) (local.get $aRowBytes))) (local.get $colBytes)
                  (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const <SH>))) (local.get $rowBytes)
                  (local.get $K) (local.get $alpha))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $qs)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j1)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4I)))
    ;; The remaining rows (fewer than four), one at a time.
    (block $doneI
      (loop $rowsI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $ci (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $ai (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $aRow)) (i32.const <SH>))))
        (local.set $k (i32.const 0))
        (block $done4
          (loop $k4
            (br_if $done4 (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $K)))
            (local.set $bk (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $rowBytes))))
            (call $axpy4<X> (local.get $ci)
              (local.get $bk)
              (i32.add (local.get $bk) (local.get $rowBytes))
              (i32.add (local.get $bk) (i32.shl (local.get $rowBytes) (i32.const 1)))
              (i32.add (local.get $bk) (i32.mul (local.get $rowBytes) (i32.const 3)))
              (<T>.mul (local.get $alpha) (<T>.load (local.get $ai)))
              (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $ai) (local.get $colBytes))))
              (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $ai) (i32.shl (local.get $colBytes) (i32.const 1)))))
              (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $ai) (i32.mul (local.get $colBytes) (i32.const 3)))))
              (local.get $N))
            (local.set $ai (i32.add (local.get $ai) (i32.shl (local.get $colBytes) (i32.const 2))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k4)))
        (block $doneK
          (loop $k1
            (br_if $doneK (i32.ge_u (local.get $k) (local.get $K)))
            (call $axpy<X> (local.get $ci)
              (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $rowBytes)))
              (local.get $N)
              (<T>.mul (local.get $alpha) (<T>.load (local.get $ai))))
            (local.set $ai (i32.add (local.get $ai) (local.get $colBytes)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $k1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsI))))

  ;; out += alpha · A Bᵀ, A [M, K], B [N, K], out [M, N]: dot products of rows,
  ;; four rows of B per pass. The caller scales out by beta first.
  (func (export "gemmNTAcc<X>") (param $out i32) (param $a i32) (param $b i32) (param $M i32) (param $N i32) (param $K i32)
    (param $alpha <T>)
    (local $i i32) (local $j i32) (local $ci i32) (local $ai i32) (local $kBytes i32) (local $rowBytes i32)
    (local.set $kBytes (i32.shl (local.get $K) (i32.const <SH>)))
    (local.set $rowBytes (i32.shl (local.get $N) (i32.const <SH>)))
    ;; Pairs of rows of A against four rows of B ($dot2x4), then the leftovers.
    (block $done2I
      (loop $rows2I
        (br_if $done2I (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $M)))
        (local.set $ci (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $kBytes))))
        (local.set $j (i32.const 0))
        (block $done4
          (loop $j4
            (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)))
            (call <DOT2X4>
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const <SH>)))
              (i32.add (i32.add (local.get $ci) (local.get $rowBytes)) (i32.shl (local.get $j) (i32.const <SH>)))
              (local.get $ai) (i32.add (local.get $ai) (local.get $kBytes))
              (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $kBytes))) (local.get $kBytes)
              (local.get $K) (local.get $alpha))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $j4)))
        (block $doneJ
          (loop $j1
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $N)))
            (call $dot1<X>
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const <SH>)))
              (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $kBytes)))
              (local.get $ai) (local.get $K) (local.get $alpha) (<T>.const 1))
            (call $dot1<X>
              (i32.add (i32.add (local.get $ci) (local.get $rowBytes)) (i32.shl (local.get $j) (i32.const <SH>)))
              (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $kBytes)))
              (i32.add (local.get $ai) (local.get $kBytes)) (local.get $K) (local.get $alpha) (<T>.const 1))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j1)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rows2I)))
    (block $doneI
      (loop $rowsI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $ci (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $N)) (i32.const <SH>))))
        (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $kBytes))))
        (local.set $j (i32.const 0))
        (block $done4
          (loop $j4
            (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)))
            (call <DOT4>
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const <SH>))) (i32.const <S>)
              (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $kBytes))) (local.get $kBytes)
              (local.get $ai) (local.get $K) (local.get $alpha) (<T>.const 1))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $j4)))
        (block $doneJ
          (loop $j1
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $N)))
            (call $dot1<X>
              (i32.add (local.get $ci) (i32.shl (local.get $j) (i32.const <SH>)))
              (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $kBytes)))
              (local.get $ai) (local.get $K) (local.get $alpha) (<T>.const 1))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsI))))

  ;; A[q, :] += s_q · y for q = 0..3, rows q at a + q·rowBytes: four rows of an
  ;; outer product per pass over y (one load of y feeds four updates, and the
  ;; loop's address and test work is shared by four rows). Each element gets
  ;; A + y·s_q, the operation of $axpy.
  (func $rank1Rows4<X> (param $a i32) (param $rowBytes i32) (param $y i32) (param $n i32)
    (param $s0 <T>) (param $s1 <T>) (param $s2 <T>) (param $s3 <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $p i32) (local $pairEnd i32) (local $yv v128) (local $yw v128) (local $ys <T>)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $v0 (<V>.splat (local.get $s0)))
    (local.set $v1 (<V>.splat (local.get $s1)))
    (local.set $v2 (<V>.splat (local.get $s2)))
    (local.set $v3 (<V>.splat (local.get $s3)))
    (local.set $a1 (i32.add (local.get $a) (local.get $rowBytes)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $rowBytes)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $rowBytes)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    ;; two vectors per iteration: four address additions for sixteen vector operations
    (local.set $pairEnd (i32.shl (i32.and (local.get $n) (i32.const -<L2>)) (i32.const <SH>)))
    (block $pdone
      (loop $ploop
        (br_if $pdone (i32.ge_u (local.get $j) (local.get $pairEnd)))
        (local.set $yv (v128.load (i32.add (local.get $y) (local.get $j))))
        (local.set $yw (v128.load offset=16 (i32.add (local.get $y) (local.get $j))))
        (local.set $p (i32.add (local.get $a) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v0))))
        (v128.store offset=16 (local.get $p) (<V>.add (v128.load offset=16 (local.get $p)) (<V>.mul (local.get $yw) (local.get $v0))))
        (local.set $p (i32.add (local.get $a1) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v1))))
        (v128.store offset=16 (local.get $p) (<V>.add (v128.load offset=16 (local.get $p)) (<V>.mul (local.get $yw) (local.get $v1))))
        (local.set $p (i32.add (local.get $a2) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v2))))
        (v128.store offset=16 (local.get $p) (<V>.add (v128.load offset=16 (local.get $p)) (<V>.mul (local.get $yw) (local.get $v2))))
        (local.set $p (i32.add (local.get $a3) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v3))))
        (v128.store offset=16 (local.get $p) (<V>.add (v128.load offset=16 (local.get $p)) (<V>.mul (local.get $yw) (local.get $v3))))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $ploop)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $yv (v128.load (i32.add (local.get $y) (local.get $j))))
        (local.set $p (i32.add (local.get $a) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v0))))
        (local.set $p (i32.add (local.get $a1) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v1))))
        (local.set $p (i32.add (local.get $a2) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v2))))
        (local.set $p (i32.add (local.get $a3) (local.get $j)))
        (v128.store (local.get $p) (<V>.add (v128.load (local.get $p)) (<V>.mul (local.get $yv) (local.get $v3))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $ys (<T>.load (i32.add (local.get $y) (local.get $j))))
        (local.set $p (i32.add (local.get $a) (local.get $j)))
        (<T>.store (local.get $p) (<T>.add (<T>.load (local.get $p)) (<T>.mul (local.get $ys) (local.get $s0))))
        (local.set $p (i32.add (local.get $a1) (local.get $j)))
        (<T>.store (local.get $p) (<T>.add (<T>.load (local.get $p)) (<T>.mul (local.get $ys) (local.get $s1))))
        (local.set $p (i32.add (local.get $a2) (local.get $j)))
        (<T>.store (local.get $p) (<T>.add (<T>.load (local.get $p)) (<T>.mul (local.get $ys) (local.get $s2))))
        (local.set $p (i32.add (local.get $a3) (local.get $j)))
        (<T>.store (local.get $p) (<T>.add (<T>.load (local.get $p)) (<T>.mul (local.get $ys) (local.get $s3))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; A += alpha · x yᵀ, A [m, n], x has m elements, y has n: four rows per pass
  ;; ($rank1Rows4), then the last rows one by one ($axpy).
  (func (export "addOuter<X>") (param $a i32) (param $x i32) (param $y i32) (param $m i32) (param $n i32) (param $alpha <T>)
    (local $i i32) (local $rowBytes i32) (local $xi i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const <SH>)))
    (block $done4
      (loop $rows4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $xi (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const <SH>))))
        (call $rank1Rows4<X>
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))) (local.get $rowBytes)
          (local.get $y) (local.get $n)
          (<T>.mul (local.get $alpha) (<T>.load (local.get $xi)))
          (<T>.mul (local.get $alpha) (<T>.load offset=<S> (local.get $xi)))
          (<T>.mul (local.get $alpha) (<T>.load offset=<S2> (local.get $xi)))
          (<T>.mul (local.get $alpha) (<T>.load offset=<S3> (local.get $xi))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (call $axpy<X>
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes)))
          (local.get $y) (local.get $n)
          (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const <SH>))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; out[0..n) = a[0..n) (one memory.copy: any overlap is fine, the caller allows
  ;; only out = a or none).
  (func (export "copy<X>") (param $out i32) (param $a i32) (param $n i32)
    (memory.copy (local.get $out) (local.get $a) (i32.shl (local.get $n) (i32.const <SH>))))

  ;; out[0..n) = value. +0 (all bits zero, the common case: zeroing gradients and
  ;; beta = 0 products) is one memory.fill; other values a loop of vector stores.
  (func (export "fill<X>") (param $out i32) (param $n i32) (param $value <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $v v128)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (if (v128.any_true (<V>.splat (local.get $value)))
      (then
        (local.set $v (<V>.splat (local.get $value)))
        (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
            (v128.store (i32.add (local.get $out) (local.get $j)) (local.get $v))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vloop)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
            (<T>.store (i32.add (local.get $out) (local.get $j)) (local.get $value))
            (local.set $j (i32.add (local.get $j) (i32.const <S>)))
            (br $sloop))))
      (else (memory.fill (local.get $out) (i32.const 0) (local.get $end)))))

  ;; out[i] = a[i·stride bytes] for i < n: a strided column gathered into a
  ;; contiguous row (one token's column of an embedding table).
  (func (export "gatherStrided<X>") (param $out i32) (param $a i32) (param $n i32) (param $stride i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const <SH>))))
    (block $done
      (loop $elements
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (<T>.store (local.get $out) (<T>.load (local.get $a)))
        (local.set $a (i32.add (local.get $a) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const <S>)))
        (br $elements))))

  ;; a[i·stride bytes] += src[i] for i < n: a contiguous row added into a
  ;; strided column (the gradient of one token's column).
  (func (export "scatterAddStrided<X>") (param $a i32) (param $src i32) (param $n i32) (param $stride i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const <SH>))))
    (block $done
      (loop $elements
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (<T>.store (local.get $a) (<T>.add (<T>.load (local.get $a)) (<T>.load (local.get $src))))
        (local.set $a (i32.add (local.get $a) (local.get $stride)))
        (local.set $src (i32.add (local.get $src) (i32.const <S>)))
        (br $elements))))

  ;; out[j] = s·a[j] for j < n (out may be a).
  (func (export "scale<X>") (param $out i32) (param $a i32) (param $n i32) (param $s <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $sv v128)
    (local.set $sv (<V>.splat (local.get $s)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (v128.store (i32.add (local.get $out) (local.get $j))
          (<V>.mul (local.get $sv) (v128.load (i32.add (local.get $a) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (<T>.store (i32.add (local.get $out) (local.get $j))
          (<T>.mul (local.get $s) (<T>.load (i32.add (local.get $a) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; out[r, j] = a[r, j] + v[j] for r < rows, j < n (a and out [rows, n], v [n]):
  ;; the bias add. out may be a; with rows = 1 it is the elementwise add, and out
  ;; may then be v as well (every element is read before it is written).
  (func (export "addRowVector<X>") (param $out i32) (param $a i32) (param $v i32) (param $rows i32) (param $n i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vecEnd i32)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
            (v128.store (i32.add (local.get $out) (local.get $j))
              (<V>.add (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $v) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vloop)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
            (<T>.store (i32.add (local.get $out) (local.get $j))
              (<T>.add (<T>.load (i32.add (local.get $a) (local.get $j))) (<T>.load (i32.add (local.get $v) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const <S>)))
            (br $sloop)))
        (local.set $out (i32.add (local.get $out) (local.get $end)))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; out[j] += Σ_r a[r, j] for j < n, a [rows, n] (the caller scales out by beta
  ;; first): four rows per pass, out[j] = (((out[j] + a0) + a1) + a2) + a3, then
  ;; the remaining rows one by one: every element adds the rows in order, as
  ;; the JavaScript colSums does.
  (func (export "colSumsAcc<X>") (param $out i32) (param $a i32) (param $rows i32) (param $n i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vecEnd i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $o i32)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $r4done
      (loop $r4loop
        (br_if $r4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $a1 (i32.add (local.get $a) (local.get $end)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $end)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $end)))
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
            (local.set $o (i32.add (local.get $out) (local.get $j)))
            (v128.store (local.get $o)
              (<V>.add
                (<V>.add
                  (<V>.add
                    (<V>.add (v128.load (local.get $o)) (v128.load (i32.add (local.get $a) (local.get $j))))
                    (v128.load (i32.add (local.get $a1) (local.get $j))))
                  (v128.load (i32.add (local.get $a2) (local.get $j))))
                (v128.load (i32.add (local.get $a3) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vloop)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $o (i32.add (local.get $out) (local.get $j)))
            (<T>.store (local.get $o)
              (<T>.add
                (<T>.add
                  (<T>.add
                    (<T>.add (<T>.load (local.get $o)) (<T>.load (i32.add (local.get $a) (local.get $j))))
                    (<T>.load (i32.add (local.get $a1) (local.get $j))))
                  (<T>.load (i32.add (local.get $a2) (local.get $j))))
                (<T>.load (i32.add (local.get $a3) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const <S>)))
            (br $sloop)))
        (local.set $a (i32.add (local.get $a3) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $r4loop)))
    ;; the rows left over (fewer than four), one by one (x·1 is x exactly)
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (call $axpy<X> (local.get $out) (local.get $a) (local.get $n) (<T>.const 1))
        (local.set $a (i32.add (local.get $a) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; The fused clip + AdaGrad step over n elements, in place:
  ;;   g = clip(g, -limit, limit); G += g²; θ -= lr·g / sqrt(G + eps).
  ;; Writes the clipped gradient back into g; an element whose (clipped) gradient
  ;; is 0 keeps its θ (no 0/0 when eps = 0 and G = 0). NaN passes through the clip, as in
  ;; the JavaScript clip (pmax/pmin return their first operand when a compare is false).
  ;; Returns how many elements were outside [-limit, limit].
  (func (export "adagrad<X>") (param $theta i32) (param $g i32) (param $G i32) (param $n i32)
    (param $lr <T>) (param $eps <T>) (param $limit <T>) (result i32)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $count i32) (local $counts v128)
    (local $lo v128) (local $hi v128) (local $lrv v128) (local $epsv v128) (local $gv v128) (local $acc v128) (local $zero v128)
    (local $gs <T>) (local $accs <T>) (local $los <T>)
    (local.set $los (<T>.neg (local.get $limit)))
    (local.set $lo (<V>.splat (local.get $los)))
    (local.set $hi (<V>.splat (local.get $limit)))
    (local.set $lrv (<V>.splat (local.get $lr)))
    (local.set $epsv (<V>.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $j))))
        ;; A vector of +0 gradients changes nothing (the clip keeps 0, G + 0 = G,
        ;; θ is masked below): skip it, and its divide and square root, the slow
        ;; part (an embedding's gradient is mostly zero columns).
        (if (v128.any_true (local.get $gv))
          (then
            ;; a true compare lane is all ones (-1): subtracting it counts one
            (local.set $counts (<I>.sub (local.get $counts)
              (v128.or (<V>.lt (local.get $gv) (local.get $lo)) (<V>.gt (local.get $gv) (local.get $hi)))))
            (local.set $gv (<V>.pmin (<V>.pmax (local.get $gv) (local.get $lo)) (local.get $hi)))
            (v128.store (i32.add (local.get $g) (local.get $j)) (local.get $gv))
            (local.set $acc (<V>.add (v128.load (i32.add (local.get $G) (local.get $j)))
              (<V>.mul (local.get $gv) (local.get $gv))))
            (v128.store (i32.add (local.get $G) (local.get $j)) (local.get $acc))
            ;; lanes whose gradient is 0 are left unchanged (AND with the mask g ≠ 0),
            ;; so eps = 0 with G = 0 cannot produce 0/0, as in @weft/optim's AdaGrad
            (v128.store (i32.add (local.get $theta) (local.get $j))
              (<V>.sub (v128.load (i32.add (local.get $theta) (local.get $j)))
                (v128.and
                  (<V>.div (<V>.mul (local.get $lrv) (local.get $gv))
                    (<V>.sqrt (<V>.add (local.get $acc) (local.get $epsv))))
                  (<V>.ne (local.get $gv) (local.get $zero)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (local.set $count (call $count<X> (local.get $counts)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $gs (<T>.load (i32.add (local.get $g) (local.get $j))))
        (if (i32.or (<T>.lt (local.get $gs) (local.get $los)) (<T>.gt (local.get $gs) (local.get $limit)))
          (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (local.set $gs (select (local.get $los) (local.get $gs) (<T>.lt (local.get $gs) (local.get $los))))
        (local.set $gs (select (local.get $limit) (local.get $gs) (<T>.gt (local.get $gs) (local.get $limit))))
        (<T>.store (i32.add (local.get $g) (local.get $j)) (local.get $gs))
        (local.set $accs (<T>.add (<T>.load (i32.add (local.get $G) (local.get $j)))
          (<T>.mul (local.get $gs) (local.get $gs))))
        (<T>.store (i32.add (local.get $G) (local.get $j)) (local.get $accs))
        (if (<T>.ne (local.get $gs) (<T>.const 0))
          (then
            (<T>.store (i32.add (local.get $theta) (local.get $j))
              (<T>.sub (<T>.load (i32.add (local.get $theta) (local.get $j)))
                (<T>.div (<T>.mul (local.get $lr) (local.get $gs))
                  (<T>.sqrt (<T>.add (local.get $accs) (local.get $eps))))))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop)))
    (local.get $count))

;; 1 when every one of the n elements at a is finite, 0 when one is NaN or
  ;; ±Infinity. One pass, no early exit: x·0 is 0 for finite x and NaN for NaN
  ;; and ±Inf, and NaN survives every later addition, so four vector sums of
  ;; x·0 (four independent dependency chains, 4·L elements per iteration), then
  ;; one vector, then a scalar sum over the tail, are NaN exactly when some
  ;; element is not finite. (The optimizers' gradient check; the caller finds
  ;; which element in JavaScript, on the cold path.)
  (func (export "allFinite<X>") (param $a i32) (param $n i32) (result i32)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $quadEnd i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $zero v128) (local $s <T>)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (local.set $quadEnd (i32.and (local.get $vecEnd) (i32.const -64)))
    (block $qdone
      (loop $qloop
        (br_if $qdone (i32.ge_u (local.get $j) (local.get $quadEnd)))
        (local.set $s0 (<V>.add (local.get $s0)
          (<V>.mul (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $zero))))
        (local.set $s1 (<V>.add (local.get $s1)
          (<V>.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $j))) (local.get $zero))))
        (local.set $s2 (<V>.add (local.get $s2)
          (<V>.mul (v128.load offset=32 (i32.add (local.get $a) (local.get $j))) (local.get $zero))))
        (local.set $s3 (<V>.add (local.get $s3)
          (<V>.mul (v128.load offset=48 (i32.add (local.get $a) (local.get $j))) (local.get $zero))))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $qloop)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $s0 (<V>.add (local.get $s0)
          (<V>.mul (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $zero))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $s (<T>.add (local.get $s)
          (<T>.mul (<T>.load (i32.add (local.get $a) (local.get $j))) (<T>.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop)))
    (local.set $s0 (<V>.add (<V>.add (local.get $s0) (local.get $s1)) (<V>.add (local.get $s2) (local.get $s3))))
    ;; a lane equals itself unless it is NaN
    (i32.and (<I>.all_true (<V>.eq (local.get $s0) (local.get $s0)))
      (<T>.eq (local.get $s) (local.get $s))))

  ;; out[i] = dy[i]·((1 − y[i])·(1 + y[i])) for i < n (tanh's backward from its
  ;; output, 1 − y² without cancellation); out may be y or dy. Same operations in
  ;; the same order as the JavaScript kernel.
  (func (export "tanhBackward<X>") (param $out i32) (param $y i32) (param $dy i32) (param $n i32)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $v v128) (local $s <T>)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $v (v128.load (i32.add (local.get $y) (local.get $j))))
        (v128.store (i32.add (local.get $out) (local.get $j))
          (<V>.mul (v128.load (i32.add (local.get $dy) (local.get $j)))
            (<V>.mul
              (<V>.sub (<V>.splat (<T>.const 1)) (local.get $v))
              (<V>.add (<V>.splat (<T>.const 1)) (local.get $v)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $s (<T>.load (i32.add (local.get $y) (local.get $j))))
        (<T>.store (i32.add (local.get $out) (local.get $j))
          (<T>.mul (<T>.load (i32.add (local.get $dy) (local.get $j)))
            (<T>.mul
              (<T>.sub (<T>.const 1) (local.get $s))
              (<T>.add (<T>.const 1) (local.get $s)))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; out[i] = dy[i]·y[i]·(1 − y[i]) for i < n (sigmoid's backward from its
  ;; output); out may be y or dy. Same operations and order as the JavaScript kernel.
  (func (export "sigmoidBackward<X>") (param $out i32) (param $y i32) (param $dy i32) (param $n i32)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $v v128) (local $s <T>)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $v (v128.load (i32.add (local.get $y) (local.get $j))))
        (v128.store (i32.add (local.get $out) (local.get $j))
          (<V>.mul
            (<V>.mul (v128.load (i32.add (local.get $dy) (local.get $j))) (local.get $v))
            (<V>.sub (<V>.splat (<T>.const 1)) (local.get $v))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $s (<T>.load (i32.add (local.get $y) (local.get $j))))
        (<T>.store (i32.add (local.get $out) (local.get $j))
          (<T>.mul
            (<T>.mul (<T>.load (i32.add (local.get $dy) (local.get $j))) (local.get $s))
            (<T>.sub (<T>.const 1) (local.get $s))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; Row-wise softmax of a [rows, n] into out (out may be a):
  ;; out[r, :] = exp(a[r, :] − max_r) / Σ exp(a[r, :] − max_r).
  ;; When $stats ≠ 0 it also writes max_r to maxOut[r] and Σ exp(a[r, :] − max_r) − 1
  ;; to sumOut[r], computed without adding the max's term 1 (the caller takes log1p).
  ;; The maximum ignores NaN as the JavaScript loop does (`x > max`): pmax
  ;; keeps its first operand when the compare is false, so lanes are never NaN.
  (func (export "softmax<X>") (param $out i32) (param $a i32) (param $rows i32) (param $n i32)
    (param $stats i32) (param $maxOut i32) (param $sumOut i32)
    (local $r i32) (local $j i32) (local $end i32) (local $vecEnd i32) (local $ar i32) (local $or i32)
    (local $mv v128) (local $m <T>) (local $x <T>) (local $total <T>) (local $rest <T>) (local $inv v128)
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $ar (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $end))))
        (local.set $or (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $end))))
        ;; the row maximum
        (local.set $mv (<V>.splat (<T>.const -inf)))
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
            (local.set $mv (<V>.pmax (local.get $mv) (v128.load (i32.add (local.get $ar) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vloop)))
        (local.set $m (call $hmax<X> (local.get $mv)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $x (<T>.load (i32.add (local.get $ar) (local.get $j))))
            (local.set $m (select (local.get $x) (local.get $m) (<T>.gt (local.get $x) (local.get $m))))
            (local.set $j (i32.add (local.get $j) (i32.const <S>)))
            (br $sloop)))
        ;; e = exp(a − max) into out, summed (and the sum less the max's 1, for log1p)
        (call $expShiftSum<X> (local.get $or) (local.get $ar) (local.get $n) (local.get $m))
        (local.set $rest)
        (local.set $total)
        ;; normalise: multiply by 1/total, as the JavaScript kernel does
        (local.set $inv (<V>.splat (<T>.div (<T>.const 1) (local.get $total))))
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $vloop
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
            (v128.store (i32.add (local.get $or) (local.get $j))
              (<V>.mul (v128.load (i32.add (local.get $or) (local.get $j))) (local.get $inv)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $vloop)))
        (block $sdone
          (loop $sloop
            (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
            (<T>.store (i32.add (local.get $or) (local.get $j))
              (<T>.mul (<T>.load (i32.add (local.get $or) (local.get $j))) (<V>.extract_lane 0 (local.get $inv))))
            (local.set $j (i32.add (local.get $j) (i32.const <S>)))
            (br $sloop)))
        (if (local.get $stats)
          (then
            (<T>.store (i32.add (local.get $maxOut) (i32.shl (local.get $r) (i32.const <SH>))) (local.get $m))
            (<T>.store (i32.add (local.get $sumOut) (i32.shl (local.get $r) (i32.const <SH>))) (local.get $rest))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; One RMSProp step over n elements, in place (PyTorch's, not centered):
  ;;   g' = g + wd·θ;  s = alpha·s + ((1 − alpha)·g')·g';  u = g'/(sqrt(s) + eps)
  ;;   mu > 0: b = mu·b + u;  θ −= lr·b      mu = 0: θ −= lr·u   (b is not touched)
  ;; The same operations in the same order as @weft/optim's RMSProp loop, so
  ;; float64 results are bit-identical to it.
  (func (export "rmsprop<X>") (param $theta i32) (param $g i32) (param $s i32) (param $b i32) (param $n i32)
    (param $lr <T>) (param $alpha <T>) (param $eps <T>) (param $mu <T>) (param $wd <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $momentum i32)
    (local $lrv v128) (local $alphav v128) (local $oneMinus v128) (local $epsv v128) (local $muv v128) (local $wdv v128)
    (local $gv v128) (local $sv v128) (local $uv v128) (local $bv v128)
    (local $gs <T>) (local $ss <T>) (local $us <T>) (local $bs <T>) (local $oneMinusS <T>)
    (local.set $momentum (<T>.gt (local.get $mu) (<T>.const 0)))
    (local.set $oneMinusS (<T>.sub (<T>.const 1) (local.get $alpha)))
    (local.set $lrv (<V>.splat (local.get $lr)))
    (local.set $alphav (<V>.splat (local.get $alpha)))
    (local.set $oneMinus (<V>.splat (local.get $oneMinusS)))
    (local.set $epsv (<V>.splat (local.get $eps)))
    (local.set $muv (<V>.splat (local.get $mu)))
    (local.set $wdv (<V>.splat (local.get $wd)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $gv (<V>.add (v128.load (i32.add (local.get $g) (local.get $j)))
          (<V>.mul (local.get $wdv) (v128.load (i32.add (local.get $theta) (local.get $j))))))
        (local.set $sv (<V>.add (<V>.mul (local.get $alphav) (v128.load (i32.add (local.get $s) (local.get $j))))
          (<V>.mul (<V>.mul (local.get $oneMinus) (local.get $gv)) (local.get $gv))))
        (v128.store (i32.add (local.get $s) (local.get $j)) (local.get $sv))
        (local.set $uv (<V>.div (local.get $gv) (<V>.add (<V>.sqrt (local.get $sv)) (local.get $epsv))))
        (if (local.get $momentum)
          (then
            (local.set $uv (<V>.add (<V>.mul (local.get $muv) (v128.load (i32.add (local.get $b) (local.get $j)))) (local.get $uv)))
            (v128.store (i32.add (local.get $b) (local.get $j)) (local.get $uv))))
        (v128.store (i32.add (local.get $theta) (local.get $j))
          (<V>.sub (v128.load (i32.add (local.get $theta) (local.get $j))) (<V>.mul (local.get $lrv) (local.get $uv))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $gs (<T>.add (<T>.load (i32.add (local.get $g) (local.get $j)))
          (<T>.mul (local.get $wd) (<T>.load (i32.add (local.get $theta) (local.get $j))))))
        (local.set $ss (<T>.add (<T>.mul (local.get $alpha) (<T>.load (i32.add (local.get $s) (local.get $j))))
          (<T>.mul (<T>.mul (local.get $oneMinusS) (local.get $gs)) (local.get $gs))))
        (<T>.store (i32.add (local.get $s) (local.get $j)) (local.get $ss))
        (local.set $us (<T>.div (local.get $gs) (<T>.add (<T>.sqrt (local.get $ss)) (local.get $eps))))
        (if (local.get $momentum)
          (then
            (local.set $us (<T>.add (<T>.mul (local.get $mu) (<T>.load (i32.add (local.get $b) (local.get $j)))) (local.get $us)))
            (<T>.store (i32.add (local.get $b) (local.get $j)) (local.get $us))))
        (<T>.store (i32.add (local.get $theta) (local.get $j))
          (<T>.sub (<T>.load (i32.add (local.get $theta) (local.get $j))) (<T>.mul (local.get $lr) (local.get $us))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))

  ;; One Adam / AdamW step over n elements, in place:
  ;;   shrink ≠ 0: θ −= shrink·θ   (AdamW's decoupled decay)
  ;;   g' = g + l2·θ;  m = b1·m + (1 − b1)·g';  v = b2·v + ((1 − b2)·g')·g'
  ;;   θ −= (lr·(m/c1)) / (sqrt(v/c2) + eps)
  ;; c1, c2 are the bias corrections 1 − b1^t, 1 − b2^t. The same operations in
  ;; the same order as @weft/optim's Adam loop (float64 bit-identical).
  (func (export "adam<X>") (param $theta i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $lr <T>) (param $b1 <T>) (param $b2 <T>) (param $c1 <T>) (param $c2 <T>) (param $eps <T>)
    (param $l2 <T>) (param $shrink <T>)
    (local $j i32) (local $end i32) (local $vecEnd i32) (local $shrinking i32)
    (local $lrv v128) (local $b1v v128) (local $b2v v128) (local $c1v v128) (local $c2v v128) (local $epsv v128)
    (local $l2v v128) (local $shrinkv v128) (local $om1 v128) (local $om2 v128)
    (local $x v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $xs <T>) (local $gs <T>) (local $ms <T>) (local $vs <T>) (local $om1s <T>) (local $om2s <T>)
    (local.set $shrinking (<T>.ne (local.get $shrink) (<T>.const 0)))
    (local.set $om1s (<T>.sub (<T>.const 1) (local.get $b1)))
    (local.set $om2s (<T>.sub (<T>.const 1) (local.get $b2)))
    (local.set $lrv (<V>.splat (local.get $lr)))
    (local.set $b1v (<V>.splat (local.get $b1)))
    (local.set $b2v (<V>.splat (local.get $b2)))
    (local.set $c1v (<V>.splat (local.get $c1)))
    (local.set $c2v (<V>.splat (local.get $c2)))
    (local.set $epsv (<V>.splat (local.get $eps)))
    (local.set $l2v (<V>.splat (local.get $l2)))
    (local.set $shrinkv (<V>.splat (local.get $shrink)))
    (local.set $om1 (<V>.splat (local.get $om1s)))
    (local.set $om2 (<V>.splat (local.get $om2s)))
    (local.set $end (i32.shl (local.get $n) (i32.const <SH>)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -<L>)) (i32.const <SH>)))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vecEnd)))
        (local.set $x (v128.load (i32.add (local.get $theta) (local.get $j))))
        ;; skipped when shrink = 0: θ − 0·θ would turn −0 into +0 and ±Inf into NaN
        (if (local.get $shrinking)
          (then (local.set $x (<V>.sub (local.get $x) (<V>.mul (local.get $shrinkv) (local.get $x))))))
        (local.set $gv (<V>.add (v128.load (i32.add (local.get $g) (local.get $j))) (<V>.mul (local.get $l2v) (local.get $x))))
        (local.set $mv (<V>.add (<V>.mul (local.get $b1v) (v128.load (i32.add (local.get $m) (local.get $j))))
          (<V>.mul (local.get $om1) (local.get $gv))))
        (local.set $vv (<V>.add (<V>.mul (local.get $b2v) (v128.load (i32.add (local.get $v) (local.get $j))))
          (<V>.mul (<V>.mul (local.get $om2) (local.get $gv)) (local.get $gv))))
        (v128.store (i32.add (local.get $m) (local.get $j)) (local.get $mv))
        (v128.store (i32.add (local.get $v) (local.get $j)) (local.get $vv))
        (v128.store (i32.add (local.get $theta) (local.get $j))
          (<V>.sub (local.get $x)
            (<V>.div (<V>.mul (local.get $lrv) (<V>.div (local.get $mv) (local.get $c1v)))
              (<V>.add (<V>.sqrt (<V>.div (local.get $vv) (local.get $c2v))) (local.get $epsv)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
    (block $sdone
      (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $end)))
        (local.set $xs (<T>.load (i32.add (local.get $theta) (local.get $j))))
        (if (local.get $shrinking)
          (then (local.set $xs (<T>.sub (local.get $xs) (<T>.mul (local.get $shrink) (local.get $xs))))))
        (local.set $gs (<T>.add (<T>.load (i32.add (local.get $g) (local.get $j))) (<T>.mul (local.get $l2) (local.get $xs))))
        (local.set $ms (<T>.add (<T>.mul (local.get $b1) (<T>.load (i32.add (local.get $m) (local.get $j))))
          (<T>.mul (local.get $om1s) (local.get $gs))))
        (local.set $vs (<T>.add (<T>.mul (local.get $b2) (<T>.load (i32.add (local.get $v) (local.get $j))))
          (<T>.mul (<T>.mul (local.get $om2s) (local.get $gs)) (local.get $gs))))
        (<T>.store (i32.add (local.get $m) (local.get $j)) (local.get $ms))
        (<T>.store (i32.add (local.get $v) (local.get $j)) (local.get $vs))
        (<T>.store (i32.add (local.get $theta) (local.get $j))
          (<T>.sub (local.get $xs)
            (<T>.div (<T>.mul (local.get $lr) (<T>.div (local.get $ms) (local.get $c1)))
              (<T>.add (<T>.sqrt (<T>.div (local.get $vs) (local.get $c2))) (local.get $eps)))))
        (local.set $j (i32.add (local.get $j) (i32.const <S>)))
        (br $sloop))))
