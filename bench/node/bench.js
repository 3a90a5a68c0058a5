// The official Fabric Gateway Node client under the same load as bench/bench_gateway_node.py
// puts on carbontrust's client: evaluate "get" and submit "put" (endorse, order, wait for the
// commit) at a given concurrency, against one peer of the running network.
//
//   node bench/node/bench.js CONNECTION_JSON ORG OP COUNT CONCURRENCY KEY_PREFIX
//
// Prints one JSON line: ok, errors, wall seconds, client CPU seconds (process.cpuUsage, user
// + system, this process only) and latencies in milliseconds. It asserts nothing.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');
const { connect, hash, signers } = require('@hyperledger/fabric-gateway');

async function main() {
    const [connectionPath, orgName, op, countText, concurrencyText, prefix] = process.argv.slice(2);
    const info = JSON.parse(fs.readFileSync(connectionPath, 'utf8'));
    const org = info.orgs[orgName];
    const user = org.users.User1;
    const client = new grpc.Client(
        org.peer_endpoint,
        grpc.credentials.createSsl(fs.readFileSync(org.tls_ca)),
        // the TLS name the peer's certificate carries (a bare IP as SNI is deprecated in Node)
        { 'grpc.ssl_target_name_override': org.peer_host,
          'grpc.max_receive_message_length': 100 * 1024 * 1024 },
    );
    const gateway = connect({
        client,
        identity: { mspId: org.mspid, credentials: fs.readFileSync(user.cert) },
        signer: signers.newPrivateKeySigner(crypto.createPrivateKey(fs.readFileSync(user.key))),
        hash: hash.sha256,
        evaluateOptions: () => ({ deadline: Date.now() + 5000 }),
        endorseOptions: () => ({ deadline: Date.now() + 15000 }),
        submitOptions: () => ({ deadline: Date.now() + 5000 }),
        commitStatusOptions: () => ({ deadline: Date.now() + 60000 }),
    });
    const contract = gateway.getNetwork(info.channel).getContract(info.chaincode);
    const count = Number(countText);
    const concurrency = Number(concurrencyText);
    const readKey = `${prefix}-read`;

    await contract.submitTransaction('put', readKey, 'x'.repeat(64)); // warm up both paths
    await contract.evaluateTransaction('get', readKey);

    const run = op === 'submit'
        ? (i) => contract.submitTransaction('put', `${prefix}-${i}`, 'v')
        : () => contract.evaluateTransaction('get', readKey);

    const latencies = [];
    const errors = [];
    let next = 0;
    async function worker() {
        while (next < count) {
            const i = next++;
            const t0 = process.hrtime.bigint();
            try {
                await run(i);
                latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            } catch (err) {
                errors.push(String(err.message ?? err).split('\n')[0]);
            }
        }
    }
    const cpu0 = process.cpuUsage();
    const wall0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    gateway.close();
    client.close();
    process.stdout.write(JSON.stringify({
        op,
        concurrency,
        ok: latencies.length,
        errors: errors.length,
        first_errors: errors.slice(0, 3),
        wall_s: wall,
        cpu_s: (cpu.user + cpu.system) / 1e6,
        latencies_ms: latencies,
        node: process.version,
        fabric_gateway: require('@hyperledger/fabric-gateway/package.json').version,
    }) + '\n');
}

main().catch((err) => {
    process.stderr.write(`node bench failed: ${err.stack ?? err}\n`);
    process.exit(1);
});
