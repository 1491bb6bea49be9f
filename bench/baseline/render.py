"""The baseline egressc is measured against: what platform teams write today, a Python script
that renders the egress resources from a host list with Jinja2 templates.

Usage: render.py HOSTS_JSON (--stream FILE | -o DIR)
       render.py --same-values STREAM_A STREAM_B   (bench/run's check, not timed)

It renders the same resources `egressc build --mesh-config none` writes for the benchmark's
policy, byte for byte (bench/run checks that before timing), as one stream or as one file a
resource with a kustomization.yaml, as `build -o` lays them out. Made to be fast, not a straw
man: the templates are compiled once, hosts are sorted once, the NetworkPolicies' address
lists are computed once, and the output is written in large buffered writes. Its input is
`hosts.json` (written by bench/generate.rs), so it does not parse KDL; egressc does.
PyYAML (with libyaml's CSafeLoader) serves the `--same-values` check.
"""

import json
import os
import sys

import jinja2

LABELS = """  labels:
    app.kubernetes.io/managed-by: egressc
"""
GATEWAY_SERVICE = "istio-egressgateway.istio-system.svc.cluster.local"

TEMPLATES = {
    "telemetry": """apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: egressc-access-log
  namespace: istio-system
""" + LABELS + """spec:
  selector:
    matchLabels:
      istio: egressgateway
  accessLogging:
  - providers:
    - name: envoy
""",
    "authorization": """apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: egressc
  namespace: istio-system
""" + LABELS + """spec:
  selector:
    matchLabels:
      istio: egressgateway
  action: ALLOW
  rules:
{% for h in hosts %}{% if h.gateway %}{% if h.namespace %}  - from:
    - source:
        namespaces:
        - {{ h.namespace }}
{% endif %}{% if h.protocol == "http" %}  {{ "  " if h.namespace else "- " }}to:
    - operation:
        hosts:
        - {{ h.name }}
        - {{ h.name }}:*
{% else %}  {{ "  " if h.namespace else "- " }}when:
    - key: connection.sni
      values:
      - {{ h.name }}
{% endif %}{% endif %}{% endfor %}""",
    "network": """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: egressc-{{ namespace }}
  namespace: {{ namespace }}
""" + LABELS + """spec:
  podSelector: {}
  policyTypes:
  - Egress
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: istio-system
      podSelector:
        matchLabels:
          app: istiod
    ports:
    - protocol: TCP
      port: 15012
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: istio-system
      podSelector:
        matchLabels:
          istio: egressgateway
{% for h in direct %}{% if not h.namespace or h.namespace == namespace %}  - to:
    - ipBlock:
        cidr: {{ h.address }}
    ports:
    - protocol: TCP
      port: {{ h.port }}
{% endif %}{% endfor %}""",
    "serviceentry": """apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: {{ h.id }}
  namespace: istio-egress
""" + LABELS + """spec:
  hosts:
  - {{ h.name }}
{% if h.address %}  addresses:
  - "{{ h.address.split("/")[0] }}"
{% endif %}  ports:
{% if h.protocol == "http" %}  - number: {{ h.port }}
    name: http-{{ h.port }}
    protocol: HTTP
  - number: {{ h.originate_tls }}
    name: https-{{ h.originate_tls }}
    protocol: HTTPS
{% else %}  - number: {{ h.port }}
    name: {{ h.protocol }}-{{ h.port }}
    protocol: {{ h.protocol | upper }}
{% endif %}  location: MESH_EXTERNAL
  resolution: {{ "NONE" if h.address else "DNS" }}
  exportTo:
{{ h.export_to }}""",
    "gateway": """apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: {{ h.id }}
  namespace: istio-system
""" + LABELS + """spec:
  selector:
    istio: egressgateway
  servers:
  - port:
      number: {{ h.port }}
      name: {{ "https" if h.protocol == "http" else h.protocol }}-{{ h.port }}
      protocol: {{ "HTTPS" if h.protocol == "http" else h.protocol | upper }}
    hosts:
    - {{ h.name }}
    tls:
      mode: ISTIO_MUTUAL
""",
    "gateway_rule": """apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-{{ h.id }}
  namespace: istio-system
""" + LABELS + """spec:
  host: """ + GATEWAY_SERVICE + """
  subsets:
  - name: {{ h.id }}
    trafficPolicy:
      portLevelSettings:
      - port:
          number: {{ h.port }}
        tls:
          mode: ISTIO_MUTUAL
          sni: {{ h.name }}
  exportTo:
  - {{ h.namespace or "'*'" }}
""",
    "originate_rule": """apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: originate-tls-{{ h.id }}
  namespace: istio-egress
""" + LABELS + """spec:
  host: {{ h.name }}
  trafficPolicy:
    portLevelSettings:
    - port:
        number: {{ h.originate_tls }}
      tls:
        mode: SIMPLE
        caCertificates: /etc/ssl/certs/ca-certificates.crt
        subjectAltNames:
        - {{ h.name }}
        sni: {{ h.name }}
  exportTo:
  - istio-system
""",
    "virtualservice": """apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {{ h.id }}
  namespace: istio-egress
""" + LABELS + """spec:
  hosts:
  - {{ h.name }}
  gateways:
  - mesh
  - istio-system/{{ h.id }}
{% if h.protocol == "http" %}  http:
  - match:
    - gateways:
      - mesh
      port: {{ h.port }}
    route:
    - destination:
        host: """ + GATEWAY_SERVICE + """
        subset: {{ h.id }}
        port:
          number: {{ h.port }}
  - match:
    - gateways:
      - istio-system/{{ h.id }}
      port: {{ h.port }}
    route:
    - destination:
        host: {{ h.name }}
        port:
          number: {{ h.originate_tls }}
{% else %}  tls:
  - match:
    - gateways:
      - mesh
      port: {{ h.port }}
      sniHosts:
      - {{ h.name }}
    route:
    - destination:
        host: """ + GATEWAY_SERVICE + """
        subset: {{ h.id }}
        port:
          number: {{ h.port }}
  tcp:
  - match:
    - gateways:
      - istio-system/{{ h.id }}
      port: {{ h.port }}
    route:
    - destination:
        host: {{ h.name }}
        port:
          number: {{ h.port }}
{% endif %}  exportTo:
{{ h.export_to }}""",
}


KUSTOMIZATION = """# Generated by egressc; do not edit.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
"""


def prepare(hosts: list) -> list:
    """Sorts the hosts by name (the order egressc writes) and adds what every template needs."""
    hosts.sort(key=lambda h: h["name"])
    for h in hosts:
        h["id"] = h["name"].replace(".", "-")
        h["gateway"] = h["address"] is None
        if h["namespace"] is None:
            h["export_to"] = "  - '*'\n"
        elif h["gateway"]:
            h["export_to"] = f"  - istio-system\n  - {h['namespace']}\n"
        else:
            h["export_to"] = f"  - {h['namespace']}\n"
    return hosts


def resources(hosts: list, templates: dict):
    """Yields (file name, document) for every resource, in egressc's order."""
    yield "telemetry-egressc-access-log.yaml", templates["telemetry"].render()
    if any(h["gateway"] for h in hosts):
        yield "authorizationpolicy-egressc.yaml", templates["authorization"].render(hosts=hosts)
    direct = [h for h in hosts if not h["gateway"]]
    namespaces = sorted({h["namespace"] for h in hosts if h["namespace"]})
    network = templates["network"]
    for namespace in namespaces:
        name = f"networkpolicy-egressc-{namespace}.yaml"
        yield name, network.render(namespace=namespace, direct=direct)
    per_host = [
        ("serviceentry", "serviceentry-", True),
        ("gateway", "gateway-", False),
        ("gateway_rule", "destinationrule-egressgateway-for-", False),
        ("originate_rule", "destinationrule-originate-tls-", False),
        ("virtualservice", "virtualservice-", False),
    ]
    for h in hosts:
        for key, prefix, always in per_host:
            if always or h["gateway"] and (key != "originate_rule" or h["originate_tls"]):
                yield prefix + h["id"] + ".yaml", templates[key].render(h=h)


def write_stream(documents, path: str) -> None:
    with open(path, "w", buffering=1 << 20) as out:
        out.write("---\n".join(text for _, text in documents))


def write_files(documents, folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    names = []
    for name, text in documents:
        with open(os.path.join(folder, name), "w") as out:
            out.write(text)
        names.append(name)
    names.sort()
    with open(os.path.join(folder, "kustomization.yaml"), "w") as out:
        out.write(KUSTOMIZATION)
        out.write("".join(f"- {name}\n" for name in names))
    # What build -o also writes: the list of the files it owns, to replace them next time.
    with open(os.path.join(folder, ".egressc-owned"), "w") as out:
        out.write("# Files written by egressc. It replaces exactly these on its next run.\n")
        out.write("".join(f"{name}\n" for name in names + ["kustomization.yaml"]))


def same_values(first: str, second: str) -> None:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    a = list(yaml.load_all(open(first), Loader=loader))
    b = list(yaml.load_all(open(second), Loader=loader))
    if a != b:
        sys.exit(f"{first} and {second} differ as values ({len(a)} and {len(b)} documents)")
    print(f"{len(a)} documents, equal as values")


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--same-values":
        same_values(args[1], args[2])
        return
    if len(args) != 3 or args[1] not in ("--stream", "-o"):
        sys.exit(__doc__)
    environment = jinja2.Environment(autoescape=False, keep_trailing_newline=True)
    templates = {name: environment.from_string(text) for name, text in TEMPLATES.items()}
    with open(args[0]) as source:
        hosts = prepare(json.load(source))
    documents = resources(hosts, templates)
    if args[1] == "--stream":
        write_stream(documents, args[2])
    else:
        write_files(documents, args[2])


if __name__ == "__main__":
    main()
