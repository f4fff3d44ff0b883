"""Encode 8 kHz mono 16-bit PCM (stdin) as AMR-NB 12.2 kbit/s with libopencore-amrnb (stdout).

Debian's ffmpeg decodes AMR but has no AMR encoder, so voice.amr was made once with the reference
encoder (apt-get install libopencore-amrnb0) from a sound ffmpeg made:

    ffmpeg -f lavfi -i "sine=frequency=220:duration=2.4" -f lavfi -i "sine=frequency=330:duration=2.4" \
        -filter_complex "amix=inputs=2,volume=0.8,tremolo=f=4:d=0.7" -ar 8000 -ac 1 -f s16le - \
        | python3 make_amr.py > voice.amr

voice_speex.ogg: ffmpeg -f lavfi -i "sine=frequency=220:duration=1" -ar 16000 -ac 1 -c:a libspeex
-map_metadata -1 -f ogg voice_speex.ogg
"""
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
