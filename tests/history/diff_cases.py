"""The small registries the diff tests compare: two cameras' register before and after one
camera changed operator and count, one was removed and one added."""

PREFIXES = """\
@prefix cityreg: <https://w3id.org/cityreg#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sosa: <http://www.w3.org/ns/sosa/> .
@prefix ex: <https://example.org/id/> .
"""
#: Camera 1 with 4 units run by the council; camera 2.
CAMERAS_BEFORE = PREFIXES + """
ex:cam1 a sosa:Sensor ; rdfs:label "Camera 1" ; cityreg:unitCount 4 ; cityreg:operator ex:council .
ex:cam2 a sosa:Sensor ; rdfs:label "Camera 2" .
ex:council a cityreg:Agency ; rdfs:label "City council" .
ex:police a cityreg:Agency ; rdfs:label "Police" .
"""
#: Camera 1 now with 6 units run by the police; camera 2 removed, camera 3 added.
CAMERAS_AFTER = PREFIXES + """
ex:cam1 a sosa:Sensor ; rdfs:label "Camera 1" ; cityreg:unitCount 6 ; cityreg:operator ex:police .
ex:cam3 a sosa:Sensor ; rdfs:label "Camera 3" ; cityreg:unitCount 1 .
ex:council a cityreg:Agency ; rdfs:label "City council" .
ex:police a cityreg:Agency ; rdfs:label "Police" .
"""
