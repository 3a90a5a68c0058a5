"""python -m network up|down|status|logs|build|info|stop-node|start-node|supervise"""

from __future__ import annotations

import argparse
import json
import sys

from ._binaries import BinariesError, find_binaries, find_ca_binaries
from ._layout import LayoutError
from ._network import Network, NetworkError
from ._process import NodeStartError, ProcessError
from ._run import CommandError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m network", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="bring the network up (or restart kept data)")
    d = sub.add_parser("down", help="stop every process; remove data unless --keep-data")
    d.add_argument("--keep-data", action="store_true")
    sub.add_parser("status", help="pid and /healthz of every node")
    lg = sub.add_parser("logs", help="tail of a node's log (all nodes without NODE)")
    lg.add_argument("node", nargs="?")
    lg.add_argument("-n", type=int, default=20)
    sub.add_parser("build", help="build (or find) the Fabric and Fabric CA binaries; print where")
    sub.add_parser("info", help="print connection.json (endpoints, TLS CAs, identities)")
    sn = sub.add_parser("stop-node", help="stop one node")
    sn.add_argument("node")
    sn.add_argument("--kill", action="store_true", help="SIGKILL instead of SIGTERM")
    st = sub.add_parser("start-node", help="start one stopped node")
    st.add_argument("node")
    sv = sub.add_parser("supervise", help="(started by up) the supervisor of a run directory")
    sv.add_argument("run_dir")
    args = ap.parse_args(argv)
    if args.cmd == "supervise":
        from ._supervise import main as supervise
        return supervise(args.run_dir)
    try:
        if args.cmd == "build":
            b = find_binaries()
            ca = find_ca_binaries()
            print(f"binaries: {b.bin_dir}\nconfig:   {b.config_dir}\nFabric CA: {ca}")
            return 0
        net = Network()
        if args.cmd == "up":
            secs = net.up()
            print(f"network up in {secs:.1f} s; run dir {net.run_dir}; "
                  f"connection info {net.run_dir / 'connection.json'}")
        elif args.cmd == "down":
            net.down(keep_data=args.keep_data)
        elif args.cmd == "status":
            st_all = net.status()
            sup = net.sup.daemon_pid()
            print(f"{'supervisor':22} pid={sup or '-':<8} "
                  f"{'' if sup else '(not running: crashed nodes are not restarted)'}")
            for name, s in st_all.items():
                print(f"{name:22} pid={s['pid'] or '-':<8} health={s['health'] or '-':<4} "
                      f"restarts={s['restarts']} state={s['state'] or '-'}"
                      + (f" last_exit={s['last_exit']}" if s["last_exit"] is not None else ""))
            return 0 if all(s["pid"] for s in st_all.values()) else 3
        elif args.cmd == "logs":
            for name in [args.node] if args.node else net.node_names():
                print(f"==> {name} <==\n{net.sup.tail(name, args.n)}")
        elif args.cmd == "info":
            print(json.dumps(net.connection_info(), indent=2))
        elif args.cmd == "stop-node":
            print("stopped" if net.stop_node(args.node, kill=args.kill) else "was not running")
        elif args.cmd == "start-node":
            net.start_node(args.node)
            print(f"{args.node} is up")
        return 0
    except (NetworkError, NodeStartError, BinariesError, LayoutError, CommandError,
            ProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
