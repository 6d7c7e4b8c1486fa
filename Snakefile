from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/cebra.smk"
include: "workflow/rules/sae.smk"
include: "workflow/rules/posthoc.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"


# The report's first screen: what the run found (rule landing), else the study's description.
report: landing_page()


# The default target must live here: Snakemake ignores `default_target` set in includes.
rule all:
    input:
        final_outputs(),
    localrule: True
