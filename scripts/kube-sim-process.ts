// A kube-sim server in a process of its own, driven over the IPC channel of `fork`: the
// simulated fleet (scripts/fleet.ts) uses it when one process cannot hold both ends of every
// cluster's connections (2,000 clusters need about 22,000 file descriptors in one process).
// Messages in: { id, name, options } (SimulatedClusterOptions) → out: { id, kubeconfig } or
// { id, error }. It stops when its parent disconnects.
import { startKubeSim, type SimClusterOptions } from '@flotilla/kube-sim';

interface AddCluster {
  id: number;
  name: string;
  options: SimClusterOptions;
}

async function main(): Promise<void> {
  const sim = await startKubeSim();
  process.on('message', (message: AddCluster) => {
    try {
      const cluster = sim.addCluster(message.name, message.options);
      process.send?.({ id: message.id, kubeconfig: cluster.kubeconfigYaml() });
    } catch (error) {
      process.send?.({ id: message.id, error: (error as Error).message });
    }
  });
  process.on('disconnect', () => {
    void sim.close().finally(() => process.exit(0));
  });
  process.send?.({ ready: true, url: sim.url });
}

main().catch((error: unknown) => {
  console.error(`kube-sim process failed: ${(error as Error).message}`);
  process.exit(1);
});
