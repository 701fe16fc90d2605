Feature: Matching through cancelled OCLC numbers
  "Alma considers both active values in subfield a (035$a) and cancelled values (035$z; or 019$a
  when seen in WorldCat)." The typical multi-match: "two or more NZ records with OCLC numbers (in
  035 $a) that match the invalid/cancelled OCLC numbers (in 035 $z) in the master record being
  imported" (CSU).

  Background:
    Given the zone:
      | kind             | Network                                |
      | institution code | 01CARLI_NETWORK                        |
      | host             | i-share-network.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_NETWORK                        |
    And the zone has the CARLI integration profile with password "secret"

  Scenario: A record whose cancelled number is another bib's active number is a multi-match
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)1234567 |
      | 992234567890205681 | (OCoLC)7654321 |
    And the incoming record:
      | tag | indicators | subfields                           |
      | 019 | ##         | $a 7654321                          |
      | 035 | ##         | $a (OCoLC)1234567 $z (OCoLC)7654321 |
    When the record is exported
    Then the outcome is MULTI_MATCH
    And the host message is "Import Failed: Multi matches found for this record."
    And the candidates are:
      | MMS ID             | key            | incoming side | zone side |
      | 991234567890205681 | (OCoLC)1234567 | active        | active    |
      | 992234567890205681 | (OCoLC)7654321 | cancelled     | active    |

  Scenario: One bib found by both an active and a cancelled number is a single match
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | 035 $z         |
      | 991234567890205681 | (OCoLC)1234567 | (OCoLC)7654321 |
    And the incoming record:
      | tag | indicators | subfields                           |
      | 035 | ##         | $a (OCoLC)1234567 $z (OCoLC)7654321 |
    When the record is exported
    Then the outcome is MERGED
    And the record is merged into MMS ID "991234567890205681"

  Scenario: A real WorldCat record merges into the bib that holds one of its merged-away numbers
    Given the zone holds these bibs:
      | MMS ID             | 035 $a        | Leader/17 |
      | 991234567890205681 | (OCoLC)185717 | #         |
    And the incoming record is record 2 of "records/folio_test1_err.mrc"
    When the record is exported
    Then the outcome is MERGED
    And the record is merged into MMS ID "991234567890205681"
    And the saved record has these fields:
      | tag | indicators | subfields                          |
      | 245 | 00         | $a American reference books annual. |

  Scenario: A real WorldCat record whose numbers sit on two bibs is a multi-match
    Given the zone holds these bibs:
      | MMS ID             | 035 $a          | 035 $z         |
      | 991234567890205681 | (OCoLC)1028287  |                |
      | 992234567890205681 | (OCoLC)16140598 | (OCoLC)1480658 |
    And the incoming record is record 2 of "records/folio_test1_err.mrc"
    When the record is exported
    Then the outcome is MULTI_MATCH
    And the candidates are:
      | MMS ID             |
      | 991234567890205681 |
      | 992234567890205681 |
      | 992234567890205681 |
