"""The words of a resident's page (registry.web.residentpage): what sensors record, the kinds
of personal data, purposes, legal reasons and roles, in the words a resident uses."""

from __future__ import annotations

from registry.namespaces import CITYREG, DPV, EU_GDPR

#: What each sensor type records, in words a resident uses.
SENSOR_WORDS = {
    CITYREG.CameraSensor: "video of people and vehicles passing",
    CITYREG.FaceRecognitionCamera: "video of faces, matched against pictures to identify people",
    CITYREG.LicencePlateReader: "the number plates of passing vehicles, read by cameras",
    CITYREG.WiFiSensor: "your phone's Wi-Fi signal (its MAC address: a number that identifies "
                        "the device)",
    CITYREG.MobilePhoneSensor: "where your mobile phone is, found from its signals",
    CITYREG.BluetoothSensor: "the Bluetooth signal of your phone or other devices (a number "
                             "that identifies the device)",
    CITYREG.TrafficSensor: "how many vehicles pass, and how fast",
    CITYREG.ParkingSensor: "whether each parking place is taken",
    CITYREG.AirQualitySensor: "air pollution and weather",
    CITYREG.ChemicalSensor: "chemical substances in the air",
    CITYREG.AcousticSensor: "sound and noise",
    CITYREG.HomeSensor: "activity inside a home",
    CITYREG.GPSTracker: "the position of a vehicle or a person",
}
#: The categories of personal data, in words.
DATA_WORDS = {
    CITYREG.LocationData: "where you are or have been",
    CITYREG.DeviceIdentifier: "a number that identifies your phone or other device (such as "
                              "its MAC address)",
    CITYREG.ImageOfPerson: "pictures or video in which you can be recognised",
    CITYREG.VehiclePlate: "your vehicle's number plate",
    CITYREG.ContactData: "your name, phone number, e-mail address or account",
    CITYREG.ReportContent: "what you report: text, photos and the place",
    CITYREG.BehaviouralData: "what you do: your movements and routines",
    CITYREG.WorkPerformanceData: "data used to judge your work",
    CITYREG.TravelHistory: "the journeys you make",
    EU_GDPR.BiometricData: "biometric data: features of your body, such as your face, used "
                           "to identify you",
    EU_GDPR.HealthData: "data about your health",
}
#: Purposes, in words.
PURPOSE_WORDS = {
    CITYREG.LawEnforcement: "police work: preventing, investigating and prosecuting crime",
    CITYREG.TrafficManagement: "managing road traffic",
    CITYREG.CitizenComplaintHandling: "handling residents' reports",
    CITYREG.EmployeeEvaluation: "judging the work of public employees",
    CITYREG.UrbanPlanning: "planning the city",
    CITYREG.EmergencyResponse: "responding to emergencies",
    CITYREG.CrowdAnalytics: "counting people and studying how crowds move",
    CITYREG.ElderlyCare: "watching over the safety and health of elderly residents",
    CITYREG.ProductImprovement: "the supplier improving its own products",
    CITYREG.DataMonetisation: "selling the data",
    DPV.ServiceProvision: "providing a service",
    DPV.Marketing: "marketing",
}
#: Legal reasons (GDPR Article 6(1)), in words, and whether the right to object follows.
BASIS_WORDS = {
    "a": ("your consent", "consent"), "b": ("a contract with you", None),
    "c": ("a duty the law puts on them", None), "d": ("protecting someone's life", None),
    "e": ("a task in the public interest", "object"),
    "f": ("their legitimate interests", "object"),
}
#: The role of a first holder of the data, in words (``{it}``: what it holds the role for).
ROLE_WORDS = {
    "operator": "runs {it}", "owner": "owns {it}", "publisher": "holds the data",
    "developer": "built {it}", "maintainer": "maintains {it}",
    "data controller": "decides what is done with the data",
    "data processor": "handles the data for the organisation in charge",
}


