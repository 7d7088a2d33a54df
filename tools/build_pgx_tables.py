# SPDX-License-Identifier: Apache-2.0
"""Build ``src/oncoboard/pharmacogenomics/data/cpic_tables.json`` from CPIC data as PharmCAT ships it.

CPIC publishes its allele definition, allele functionality and diplotype-phenotype tables under
CC0 (https://cpicpgx.org/license/). The cpicpgx/cpic-data repository holds the database code but
not the table files, so the machine-readable copy read here is the one the PharmCAT repository
(PharmGKB/PharmCAT, ``src/main/resources/org/pharmgkb/pharmcat/{definition/alleles,phenotype}``)
generates from the CPIC/ClinPGx database. Only facts are taken (positions, alleles, function
and activity values, phenotype assignments); the output format is ours.

Run: python tools/build_pgx_tables.py /path/to/PharmCAT-git-dir COMMIT > .../cpic_tables.json
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

GENES = ("DPYD", "TPMT", "NUDT15", "UGT1A1")
DEFINITIONS = "src/main/resources/org/pharmgkb/pharmcat/definition/alleles/{}_translation.json"
PHENOTYPES = "src/main/resources/org/pharmgkb/pharmcat/phenotype/{}.json"
# The alleles OncoBoard calls from a germline VCF: single-nucleotide (or, for the UGT1A1 promoter,
# the TA-repeat record itself) definitions only. Chosen because the issue and the CPIC
# guidelines name them; the rest of each gene needs a lab call (docs/pharmacogenomics.md).
VCF_ALLELES = {
    "DPYD": (
        "c.1905+1G>A (*2A)",
        "c.1679T>G (*13)",
        "c.2846A>T",
        "c.1129-5923C>G",
        "c.557A>G",
    ),
    "TPMT": ("*2", "*3A", "*3B", "*3C", "*4"),
    "NUDT15": ("*3", "*4", "*5"),
    "UGT1A1": ("*6", "*28", "*36", "*37"),
}
GUIDELINES = {
    "DPYD": "CPIC Guideline for Fluoropyrimidines and DPYD (Amstutz et al., Clin Pharmacol Ther "
    "2018;103:210-216, PMID 29152729, with CPIC updates)",
    "TPMT": "CPIC Guideline for Thiopurines and TPMT and NUDT15 (Relling et al., Clin Pharmacol "
    "Ther 2019;105:1095-1105, PMID 30447069, with CPIC updates)",
    "NUDT15": "CPIC Guideline for Thiopurines and TPMT and NUDT15 (Relling et al., Clin Pharmacol "
    "Ther 2019;105:1095-1105, PMID 30447069, with CPIC updates)",
    "UGT1A1": "CPIC Guideline for UGT1A1 and Atazanavir (Gammal et al., Clin Pharmacol Ther "
    "2016;99:363-369, PMID 26417955): UGT1A1 allele function and phenotype tables",
}


def _show(git_dir: str, commit: str, path: str) -> dict:
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(out)


def _aliases(name: str, rsids: list[str]) -> list[str]:
    out = {name}
    if " (" in name and name.endswith(")"):
        base, _, tag = name[:-1].partition(" (")
        out.update(p.strip() for p in base.split(","))
        out.add(tag)
    out.update(rsids)
    return sorted(out)


def _gene(git_dir: str, commit: str, gene: str) -> dict:
    definition = _show(git_dir, commit, DEFINITIONS.format(gene))
    phenotype = _show(git_dir, commit, PHENOTYPES.format(gene))
    variants = definition["variants"]
    named = {a["name"]: a for a in definition["namedAlleles"]}
    rsids_of: dict[str, list[str]] = {}
    for allele in definition["namedAlleles"]:
        alleles = allele.get("cpicAlleles") or allele.get("alleles")
        ids = [variants[i].get("rsid") for i, a in enumerate(alleles) if a is not None]
        if not allele.get("reference") and gene == "DPYD":
            rsids_of[allele["name"]] = [r for r in ids if r]
    alleles = []
    for entry in phenotype["namedAlleles"]:
        value = entry.get("activityValue")
        alleles.append(
            {
                "name": entry["name"],
                "function": entry["functionValue"],
                "activity_value": float(value) if value not in (None, "n/a") else None,
                "aliases": _aliases(entry["name"], rsids_of.get(entry["name"], [])),
            }
        )
    rules: Counter[tuple] = Counter()
    if gene == "DPYD":
        for row in phenotype["diplotypes"]:
            rules[(float(row["activityScore"]), row["phenotype"])] += 1
        phenotype_rules = [{"activity_score": s, "phenotype": p} for s, p in sorted(rules)]
    else:
        functions = phenotype["haplotypes"]
        for row in phenotype["diplotypes"]:
            pair = sorted(functions[a] for a, n in row["diplotypekey"].items() for _ in range(n))
            rules[(tuple(pair), row["phenotype"])] += 1
        phenotype_rules = [{"functions": list(f), "phenotype": p} for f, p in sorted(rules)]
    sites, vcf_alleles = [], {}
    used = set()
    for name in VCF_ALLELES[gene]:
        allele = named[name]
        states = allele.get("cpicAlleles") or allele.get("alleles")
        vcf_alleles[name] = {}
        for index, state in enumerate(states):
            if state is None:
                continue
            variant = variants[index]
            vcf_alt = variant["cpicToVcfAlleleMap"].get(state, state)
            vcf_alleles[name][str(variant["position"])] = vcf_alt
            used.add(index)
    for index in sorted(used):
        variant = variants[index]
        sites.append(
            {
                "chrom": variant["chromosome"],
                "pos": variant["position"],
                "ref": variant["ref"],
                "alts": variant["alts"],
                "rsid": variant.get("rsid"),
                "hgvs_g": variant.get("chromosomeHgvsName"),
                "labels": definition["positionToAlleles"].get(str(variant["position"]), []),
            }
        )
    reference = next(a["name"] for a in definition["namedAlleles"] if a.get("reference"))
    return {
        "gene": gene,
        "reference_allele": reference,
        "lookup": "activity_score" if gene == "DPYD" else "function_pair",
        "guideline": GUIDELINES[gene],
        "genome_build": definition["genomeBuild"],
        "chromosome": definition["chromosome"],
        "alleles": alleles,
        "phenotype_rules": phenotype_rules,
        "vcf_sites": sites,
        "vcf_alleles": vcf_alleles,
    }


def main() -> int:
    git_dir, commit = sys.argv[1], sys.argv[2]
    genes = {gene: _gene(git_dir, commit, gene) for gene in GENES}
    version = _show(git_dir, commit, PHENOTYPES.format("DPYD"))["version"]
    out = {
        "table_version": f"CPIC/ClinPGx {version}",
        "source": {
            "publisher": "Clinical Pharmacogenetics Implementation Consortium (CPIC), "
            "CPIC data via ClinPGx (PharmGKB)",
            "licence": "CC0 1.0 (https://cpicpgx.org/license/)",
            "attribution": "CPIC® guideline tables, https://cpicpgx.org",
            "carrier": f"github.com/PharmGKB/PharmCAT @ {commit}",
            "paths": [DEFINITIONS.format("<GENE>"), PHENOTYPES.format("<GENE>")],
            "data_version": version,
        },
        "genes": genes,
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
