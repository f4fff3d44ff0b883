"""Encode 8 kHz mono 16-bit PCM (stdin) as AMR-NB 12.2 kbit/s with libopencore-amrnb (stdout)."""
import ctypes, sys
lib = ctypes.CDLL("libopencore-amrnb.so.0")
lib.Encoder_Interface_init.restype = ctypes.c_void_p
lib.Encoder_Interface_Encode.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_char_p, ctypes.c_int]
state = lib.Encoder_Interface_init(0)
pcm = sys.stdin.buffer.read()
out = bytearray(b"#!AMR\n")
frame = 160 * 2
for start in range(0, len(pcm) - frame + 1, frame):
    samples = (ctypes.c_short * 160).from_buffer_copy(pcm[start:start + frame])
    buf = ctypes.create_string_buffer(64)
    n = lib.Encoder_Interface_Encode(state, 7, samples, buf, 0)  # MR122
    out += buf.raw[:n]
lib.Encoder_Interface_exit(ctypes.c_void_p(state))
sys.stdout.buffer.write(bytes(out))
