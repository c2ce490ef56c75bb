"""A real RTSP camera on 127.0.0.1 for tests and benchmarks: GStreamer's RTSP server (Debian's gstreamer1.0-rtsp,
gir1.2-gst-rtsp-server-1.0 and python3-gi, from the system's apt; nothing on PyPI serves RTSP) playing JPEG frames
that OpenCV encoded, as MJPEG over RTP or re-encoded as H.264 with a keyframe every `--gop` frames.

It runs under the system's Python (where python3-gi lives), as its own process that a test can kill:

    /usr/bin/python3 tests/rtsp_server.py --port 8554 --frames DIR [--codec jpeg|h264] [--gop 50] [--fps 15]

It serves rtsp://127.0.0.1:PORT/live (the frames looped) and prints "ready PORT" once it listens.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def available() -> str:
    """"" when this Python can run the server, else why not."""
    try:
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstRtspServer", "1.0")
        from gi.repository import Gst

        Gst.init(None)
        missing = [name for name in ("appsrc", "jpegparse", "rtpjpegpay", "jpegdec", "openh264enc",
                                     "rtph264pay") if Gst.ElementFactory.find(name) is None]
    except (ImportError, ValueError) as error:
        return f"GStreamer's RTSP server is not installed ({error})"
    return f"GStreamer elements missing: {', '.join(missing)}" if missing else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--frames", required=True, help="a folder of .jpg frames, served in name order")
    parser.add_argument("--codec", choices=("jpeg", "h264"), default="jpeg")
    parser.add_argument("--gop", type=int, default=50, help="H.264: frames between keyframes")
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--check", action="store_true", help="say whether the server can run here, and stop")
    args = parser.parse_args()
    if args.check:
        problem = available()
        print(problem or "ok")
        sys.exit(1 if problem else 0)
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer

    Gst.init(None)
    frames = [path.read_bytes() for path in sorted(Path(args.frames).glob("*.jpg"))]
    source = f"appsrc name=frames is-live=true format=time caps=image/jpeg,framerate={args.fps}/1 ! jpegparse"
    if args.codec == "jpeg":
        launch = f"( {source} ! rtpjpegpay name=pay0 pt=26 )"
    else:
        launch = (f"( {source} ! jpegdec ! videoconvert ! video/x-raw,format=I420 ! "
                  f"openh264enc gop-size={args.gop} ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )")

    def feed(appsrc, _length, sent: list[int]) -> None:
        # Timestamped frames: the server's sinks send each at its time, so the stream runs at --fps.
        buffer = Gst.Buffer.new_wrapped(frames[sent[0] % len(frames)])
        buffer.pts = buffer.dts = sent[0] * Gst.SECOND // args.fps
        buffer.duration = Gst.SECOND // args.fps
        sent[0] += 1
        appsrc.emit("push-buffer", buffer)

    def configure(_factory, media) -> None:
        media.get_element().get_child_by_name("frames").connect("need-data", feed, [0])

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    factory.connect("media-configure", configure)
    server.get_mount_points().add_factory("/live", factory)
    server.attach(None)
    print(f"ready {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
