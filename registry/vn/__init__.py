"""Vietnamese rules as pure Python and data: tax codes, GS1 Vietnam prefixes, admin units.

Imports nothing else of the project.
"""

from registry.vn.admin_units import (
    PROVINCE_CODE,
    REFORM_2025_ON,
    AdminUnit,
    address_of,
    ancestry,
    children_of,
    current_successors,
    get_admin_unit,
    load_admin_units,
    province_gso_codes,
    search_admin_units,
    unit_for_gso_code,
)
from registry.vn.errors import VNRuleError
from registry.vn.prefixes import (
    VIETNAM_PREFIX_RULES,
    PrefixRule,
    company_prefix_length,
    gln_capacity,
    prefix_capacity,
    validate_company_prefix,
)
from registry.vn.taxcode import (
    TaxCode,
    TaxCodeKind,
    is_valid_tax_code,
    mst_check_digit,
    parse_tax_code,
    tax_code_problems,
)
from registry.vn.text import (
    fold_vietnamese,
    suggest_ascii,
    suggest_cset82,
    vietnamese_sort_key,
)

__all__ = [
    "PROVINCE_CODE",
    "REFORM_2025_ON",
    "VIETNAM_PREFIX_RULES",
    "AdminUnit",
    "PrefixRule",
    "TaxCode",
    "TaxCodeKind",
    "VNRuleError",
    "address_of",
    "ancestry",
    "children_of",
    "company_prefix_length",
    "current_successors",
    "fold_vietnamese",
    "get_admin_unit",
    "gln_capacity",
    "is_valid_tax_code",
    "load_admin_units",
    "mst_check_digit",
    "parse_tax_code",
    "prefix_capacity",
    "province_gso_codes",
    "search_admin_units",
    "suggest_ascii",
    "suggest_cset82",
    "tax_code_problems",
    "unit_for_gso_code",
    "validate_company_prefix",
    "vietnamese_sort_key",
]
