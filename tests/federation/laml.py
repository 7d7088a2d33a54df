# SPDX-License-Identifier: Apache-2.0
"""The real TCGA-LAML cohort (maftools' MAF and clinical annotation, ../shared) written as a
cBioPortal study folder, one part per site, so OncoBoard's own cBioPortal importer reads it.

Only the layout changes: patient ids, overall-survival status (the annotation's 1/0 as
cBioPortal's 1:DECEASED/0:LIVING) and the mutation rows are the files' own. Every patient gets
the OncoTree code AML (TCGA-LAML is the acute myeloid leukaemia study).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from tests.support import shared_file

STUDY = "tcga_laml_oncoboard_part"


def laml_files() -> tuple[Path, Path]:
    return (
        shared_file("interop", "maf", "maftools", "tcga_laml.maf.gz"),
        shared_file("interop", "maf", "maftools", "tcga_laml_annot.tsv"),
    )


def laml_patients() -> list[tuple[str, bool]]:
    """(patient id, deceased) in file order, from the annotation."""
    _, annotation = laml_files()
    with annotation.open() as handle:
        return [(row["Tumor_Sample_Barcode"], row["Overall_Survival_Status"] == "1")
                for row in csv.DictReader(handle, delimiter="\t")]  # fmt: skip


def write_study(folder: Path, part: int, parts: int) -> list[str]:
    """Write part ``part`` of ``parts`` as a cBioPortal study; returns its patient ids."""
    maf, _ = laml_files()
    mine = [(p, dead) for n, (p, dead) in enumerate(laml_patients()) if n % parts == part - 1]
    ids = {p for p, _ in mine}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta_study.txt").write_text(
        f"type_of_cancer: aml\ncancer_study_identifier: {STUDY}{part}\n"
        f"name: TCGA-LAML part {part} of {parts} (maftools extdata)\n"
        "description: TCGA-LAML MAF and survival annotation from maftools, split for federation tests.\n"
        "reference_genome: hg19\n"
    )
    for datatype, name in (("PATIENT_ATTRIBUTES", "patients"), ("SAMPLE_ATTRIBUTES", "samples")):
        (folder / f"meta_clinical_{name}.txt").write_text(
            f"cancer_study_identifier: {STUDY}{part}\ngenetic_alteration_type: CLINICAL\n"
            f"datatype: {datatype}\ndata_filename: data_clinical_{name}.txt\n"
        )
    patients = ["#Patient Identifier\tOverall Survival Status", "#Patient identifier\tOS status",
                "#STRING\tSTRING", "#1\t1", "PATIENT_ID\tOS_STATUS"]  # fmt: skip
    patients += [f"{p}\t{'1:DECEASED' if dead else '0:LIVING'}" for p, dead in mine]
    (folder / "data_clinical_patients.txt").write_text("\n".join(patients) + "\n")
    samples = ["#Patient Identifier\tSample Identifier\tOncoTree Code", "#Patient\tSample\tCode",
               "#STRING\tSTRING\tSTRING", "#1\t1\t1", "PATIENT_ID\tSAMPLE_ID\tONCOTREE_CODE"]  # fmt: skip
    samples += [f"{p}\t{p}\tAML" for p, _ in mine]
    (folder / "data_clinical_samples.txt").write_text("\n".join(samples) + "\n")
    (folder / "meta_mutations_extended.txt").write_text(
        f"cancer_study_identifier: {STUDY}{part}\ngenetic_alteration_type: MUTATION_EXTENDED\n"
        "datatype: MAF\nstable_id: mutations\nshow_profile_in_analysis_tab: true\n"
        "profile_name: Mutations\nprofile_description: TCGA-LAML somatic mutations\n"
        "data_filename: data_mutations_extended.maf\n"
    )
    with gzip.open(maf, "rt") as source, (folder / "data_mutations_extended.maf").open("w") as out:
        header = source.readline()
        out.write(header)
        column = header.rstrip("\n").split("\t").index("Tumor_Sample_Barcode")
        for line in source:
            if line.split("\t")[column] in ids:
                out.write(line)
    return sorted(ids)
