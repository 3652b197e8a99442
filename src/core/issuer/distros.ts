/** The distributions `issuer apiserver-flags` renders for (its own file so the CLI's flag table can list them cheaply). */
export const APISERVER_DISTROS = ['generic', 'kubeadm', 'k0s', 'k3s', 'rke2', 'kind', 'talos', 'microk8s'] as const;
export type Distro = (typeof APISERVER_DISTROS)[number];

/** The distributions that take a kubeadm configuration API (`--kubeadm-api`). */
export const KUBEADM_DISTROS: readonly Distro[] = ['kubeadm', 'kind'];
