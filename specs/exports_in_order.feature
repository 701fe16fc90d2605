Feature: Exports in order: each one meets the zone as the exports before it left it
  Catalogers export one after another, and Alma decides each export against the zone as it is
  at that moment: a record that the first export added is there for the second to match, a bib
  that a cataloger opened in the Metadata Editor is locked for the next export, and a merge of
  OCLC numbers in WorldCat can make a record that merged yesterday a multi-match today.

  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"
    And the zone holds these bibs:
      | MMS ID             | 035 $a         | Leader/17 |
      | 991234567890205681 | (OCoLC)1234567 | #         |
    And the incoming record:
      | tag | indicators | subfields                                          |
      | 005 |            | 20260305101500.0                                   |
      | 035 | ##         | $a (OCoLC)1300000001                               |
      | 245 | 10         | $a Wolf Hall / $c Hilary Mantel.                   |

  Scenario: Two catalogers export the same new OCLC number: the first adds it, the second merges into it
    Given the time now is "March 5, 2026 10:30 AM"
    When the record is exported
    Then the outcome is ADDED
    And the record is added under a new MMS ID
    And the brief guard compared no levels: no candidate
    Given the time now is "March 5, 2026 10:31 AM"
    When the record is exported again
    Then the outcome is MERGED
    And the record is merged into the bib the first export added
    And the brief levels are "10" in the zone and "10" incoming
    And the saved record has exactly one 035 field with "(OCoLC)1300000001"

  Scenario: The second cataloger meets the first one's lock, and merges once it lapses
    Given the time now is "March 5, 2026 10:30 AM"
    When the record is exported
    Then the outcome is ADDED
    Given the bib the first export added is locked by "01CARLI_XYZ (ann)" since "March 5, 2026 10:31 AM"
    And the time now is "March 5, 2026 10:40 AM"
    When the record is exported again
    Then the outcome is NOT_ADDED_LOCKED
    And the refused bib is the bib the first export added
    And the lock is held by "01CARLI_XYZ (ann)" since "2026-03-05 10:31"
    Given the time now is "March 5, 2026 11:31 AM"
    When the record is exported again
    Then the outcome is MERGED
    And the record is merged into the bib the first export added

  Scenario: A brief record, then a full one, then a brief one again
    Given the incoming record's Leader/17 is "K"
    When the record is exported
    Then the outcome is ADDED
    Given the incoming record's Leader/17 is "#"
    And the incoming record's 005 is "20260306090000.0"
    When the record is exported again
    Then the outcome is MERGED
    And the record is merged into the bib the first export added
    And the brief levels are "05" in the zone and "10" incoming
    And the versions are "20260305101500.0" in the zone and "20260306090000.0" incoming
    And the saved record's Leader/17 is "#"
    Given the incoming record's Leader/17 is "K"
    And the incoming record's 005 is "20260307090000.0"
    When the record is exported again
    Then the outcome is NOT_ADDED_BRIEF
    And the refused bib is the bib the first export added
    And the brief levels are "10" in the zone and "05" incoming

  Scenario: An OCLC merge turns two bibs into a multi-match
    When the record is exported
    Then the outcome is ADDED
    Given the incoming record:
      | tag | indicators | subfields                         |
      | 005 |            | 20260305111500.0                  |
      | 035 | ##         | $a (OCoLC)1300000002              |
      | 245 | 10         | $a Wolf Hall : $b a novel.        |
    When the record is exported again
    Then the outcome is ADDED
    And the record is added under a new MMS ID
    Given the incoming record:
      | tag | indicators | subfields                         |
      | 005 |            | 20260306101500.0                  |
      | 019 | ##         | $a 1300000002                     |
      | 035 | ##         | $a (OCoLC)1300000001              |
      | 245 | 10         | $a Wolf Hall / $c Hilary Mantel.  |
    When the record is exported again
    Then the outcome is MULTI_MATCH
    And the brief guard compared no levels: not evaluated
    And the candidates are:
      | MMS ID                            | key                  | incoming side | zone side |
      | the bib the first export added    | (OCoLC)1300000001    | active        | active    |
      | the bib the second export added   | (OCoLC)1300000002    | cancelled     | active    |
