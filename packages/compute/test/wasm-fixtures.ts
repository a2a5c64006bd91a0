/**
 * WASI test modules, written in WAT and assembled offline with wabt (a devDependency): no
 * binaries are downloaded or checked in, and each module's behaviour is readable here.
 */
import wabtInit from 'wabt'

const wabt = await wabtInit()

/** Assemble WAT text into a module binary. */
export function wat(source: string): Uint8Array {
  const module = wabt.parseWat('fixture.wat', source, { bulk_memory: true })
  try {
    module.validate()
    return module.toBinary({}).buffer
  } finally {
    module.destroy()
  }
}

const FD_READ = '(import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))'
const FD_WRITE = '(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))'
const PROC_EXIT = '(import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))'
const OWN_MEMORY = '(memory (export "memory") 1)'

/**
 * (a) Copies stdin to stdout with a-z upper-cased, 1 KiB at a time, then writes "done" to stderr.
 * `memory` declares its memory, so the imported-memory path can reuse the same body.
 */
export const uppercaseWat = (memory = OWN_MEMORY): string => String.raw`(module
  ${FD_READ}
  ${FD_WRITE}
  ${memory}
  (data (i32.const 2048) "done\n")
  (func (export "_start") (local $n i32) (local $i i32) (local $c i32)
    (block $eof
      (loop $read
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 1024))
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
        (local.set $n (i32.load (i32.const 16)))
        (br_if $eof (i32.eqz (local.get $n)))
        (local.set $i (i32.const 0))
        (block $converted
          (loop $upper
            (br_if $converted (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $c (i32.load8_u (i32.add (i32.const 64) (local.get $i))))
            (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
              (then (i32.store8 (i32.add (i32.const 64) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $upper)))
        (i32.store (i32.const 4) (local.get $n))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
        (br $read)))
    (i32.store (i32.const 0) (i32.const 2048))
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 16)))))`

/** Same module, but its memory is imported from env.memory (and re-exported, as WASI requires). */
export const uppercaseImportedMemoryWat = uppercaseWat('(import "env" "memory" (memory 1)) (export "memory" (memory 0))')

/** (b) Counts bytes and whitespace-separated words on stdin; prints {"bytes":N,"words":M}. */
export const counterWat = String.raw`(module
  ${FD_READ}
  ${FD_WRITE}
  ${OWN_MEMORY}
  (data (i32.const 1024) "{\"bytes\":")
  (data (i32.const 1040) ",\"words\":")
  (data (i32.const 1056) "}\n")
  (func $emit (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $emit_u32 (param $n i32) (local $p i32)
    (local.set $p (i32.const 1200))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (local.get $n)))
    (call $emit (local.get $p) (i32.sub (i32.const 1200) (local.get $p))))
  (func (export "_start")
    (local $n i32) (local $i i32) (local $c i32) (local $bytes i32) (local $words i32) (local $inword i32)
    (block $eof
      (loop $read
        (i32.store (i32.const 16) (i32.const 4096))
        (i32.store (i32.const 20) (i32.const 4096))
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
        (local.set $n (i32.load (i32.const 24)))
        (br_if $eof (i32.eqz (local.get $n)))
        (local.set $bytes (i32.add (local.get $bytes) (local.get $n)))
        (local.set $i (i32.const 0))
        (block $scanned
          (loop $scan
            (br_if $scanned (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $c (i32.load8_u (i32.add (i32.const 4096) (local.get $i))))
            (if (i32.or (i32.eq (local.get $c) (i32.const 32))
                        (i32.and (i32.ge_u (local.get $c) (i32.const 9)) (i32.le_u (local.get $c) (i32.const 13))))
              (then (local.set $inword (i32.const 0)))
              (else
                (if (i32.eqz (local.get $inword))
                  (then
                    (local.set $words (i32.add (local.get $words) (i32.const 1)))
                    (local.set $inword (i32.const 1))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $scan)))
        (br $read)))
    (call $emit (i32.const 1024) (i32.const 9))
    (call $emit_u32 (local.get $bytes))
    (call $emit (i32.const 1040) (i32.const 9))
    (call $emit_u32 (local.get $words))
    (call $emit (i32.const 1056) (i32.const 2))))`

/** (c) Never returns. */
export const infiniteLoopWat = `(module ${OWN_MEMORY} (func (export "_start") (loop $forever (br $forever))))`

/**
 * (d) Grows memory 1 MiB at a time and writes every new byte (untouched pages would not count
 * in RSS); when memory.grow fails it traps, as a C program's failed malloc would abort.
 */
export const memoryHogWat = `(module
  ${OWN_MEMORY}
  (func (export "_start") (local $old i32)
    (loop $more
      (local.set $old (memory.grow (i32.const 16)))
      (if (i32.eq (local.get $old) (i32.const -1)) (then unreachable))
      (memory.fill (i32.mul (local.get $old) (i32.const 65536)) (i32.const 1) (i32.const 1048576))
      (br $more))))`

/** (e) Writes "bad input" to stderr and exits with code 3. */
export const exitThreeWat = `(module
  ${FD_WRITE}
  ${PROC_EXIT}
  ${OWN_MEMORY}
  (data (i32.const 64) "bad input\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 10))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 3))))`

/** Writes 4 KiB blocks to stdout forever. */
export const stdoutFloodWat = `(module
  ${FD_WRITE}
  ${OWN_MEMORY}
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (loop $again
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $again))))`

export const trapWat = `(module ${OWN_MEMORY} (func (export "_start") unreachable))`

export const noStartWat = `(module ${OWN_MEMORY})`

export const foreignImportWat = `(module (import "env" "steal" (func)) ${OWN_MEMORY} (func (export "_start")))`

/** Declares more initial memory (4 MiB) than a small cap allows. */
export const bigInitialMemoryWat = '(module (memory (export "memory") 64) (func (export "_start")))'
