/**
 * The demo scheme's package catalogue: PM-JAY-style procedure and medical-management packages with
 * realistic prices in rupees (stored as paise), plus one *unspecified* code per specialty for
 * procedures outside the catalogue (decided by the Medical Committee and Admin).
 */
export interface CataloguePackage {
  readonly code: string;
  readonly specialty: string;
  readonly name: string;
  readonly rupees: number;
  readonly isUnspecified?: boolean;
}

export const demoCatalogue: readonly CataloguePackage[] = [
  { code: 'MG001A', specialty: 'General Medicine', name: 'Acute febrile illness, ward (up to 5 days)', rupees: 9_000 },
  { code: 'MG006A', specialty: 'General Medicine', name: 'Dengue fever, moderate, ward', rupees: 5_000 },
  { code: 'MG012A', specialty: 'General Medicine', name: 'Acute gastroenteritis with severe dehydration', rupees: 6_000 },
  { code: 'MG026A', specialty: 'General Medicine', name: 'Community-acquired pneumonia, ward', rupees: 14_500 },
  { code: 'MG064A', specialty: 'General Medicine', name: 'Diabetic ketoacidosis, HDU', rupees: 22_000 },
  { code: 'SG039A', specialty: 'General Surgery', name: 'Laparoscopic cholecystectomy', rupees: 22_800 },
  { code: 'SG049A', specialty: 'General Surgery', name: 'Appendicectomy, open', rupees: 15_000 },
  { code: 'SG059A', specialty: 'General Surgery', name: 'Inguinal hernia repair with mesh, unilateral', rupees: 18_000 },
  { code: 'SB001A', specialty: 'Orthopaedics', name: 'Closed reduction and casting, long bone fracture', rupees: 7_500 },
  { code: 'SB039A', specialty: 'Orthopaedics', name: 'Total knee replacement, primary, unilateral', rupees: 80_000 },
  { code: 'SB045A', specialty: 'Orthopaedics', name: 'Hemiarthroplasty, fracture neck of femur', rupees: 55_000 },
  { code: 'MO001A', specialty: 'Obstetrics', name: 'Normal vaginal delivery', rupees: 9_000 },
  { code: 'MO004A', specialty: 'Obstetrics', name: 'Caesarean section, elective', rupees: 12_000 },
  { code: 'MO010A', specialty: 'Obstetrics', name: 'High-risk delivery with complications', rupees: 18_000 },
  { code: 'SE007A', specialty: 'Ophthalmology', name: 'Cataract surgery (SICS) with rigid IOL', rupees: 8_000 },
  { code: 'SE008A', specialty: 'Ophthalmology', name: 'Phacoemulsification with foldable IOL', rupees: 12_000 },
  { code: 'MC001A', specialty: 'Cardiology', name: 'PTCA, single stent (drug-eluting)', rupees: 95_000 },
  { code: 'MC011A', specialty: 'Cardiology', name: 'Coronary angiography', rupees: 9_500 },
  { code: 'MC020A', specialty: 'Cardiology', name: 'Acute myocardial infarction, thrombolysis, ICU', rupees: 45_000 },
  // Scenario S5's father (hospital A): a 40,000 package.
  { code: 'MC024A', specialty: 'Cardiology', name: 'Acute heart failure, ICU (up to 5 days)', rupees: 40_000 },
  { code: 'SU005A', specialty: 'Urology', name: 'Ureteroscopic lithotripsy', rupees: 25_000 },
  { code: 'SU012A', specialty: 'Urology', name: 'TURP, benign prostatic hyperplasia', rupees: 30_000 },
  { code: 'MP003A', specialty: 'Paediatrics', name: 'Severe acute malnutrition, inpatient', rupees: 12_000 },
  { code: 'MP012A', specialty: 'Paediatrics', name: 'Neonatal sepsis, NICU (up to 7 days)', rupees: 35_000 },
  { code: 'SL002A', specialty: 'ENT', name: 'Tonsillectomy', rupees: 11_000 },
  { code: 'SL010A', specialty: 'ENT', name: 'Tympanoplasty', rupees: 20_000 },
  { code: 'MR004A', specialty: 'Nephrology', name: 'Haemodialysis, per session', rupees: 2_000 },
  { code: 'MM002A', specialty: 'Oncology', name: 'Chemotherapy cycle, breast cancer (CMF)', rupees: 7_000 },
  { code: 'SN005A', specialty: 'Neurosurgery', name: 'Burr hole evacuation of chronic subdural haematoma', rupees: 60_000 },
];

const specialtyPrefixes: Record<string, string> = {
  'General Medicine': 'MG',
  'General Surgery': 'SG',
  Orthopaedics: 'SB',
  Obstetrics: 'MO',
  Ophthalmology: 'SE',
  Cardiology: 'MC',
  Urology: 'SU',
  Paediatrics: 'MP',
  ENT: 'SL',
  Nephrology: 'MR',
  Oncology: 'MM',
  Neurosurgery: 'SN',
};

/** One unspecified code per specialty, e.g. SG999U "General Surgery: unspecified procedure". */
export const unspecifiedPackages: readonly CataloguePackage[] = Object.entries(specialtyPrefixes).map(([specialty, prefix]) => ({
  code: `${prefix}999U`,
  specialty,
  name: `${specialty}: unspecified procedure (committee decides)`,
  rupees: 1,
  isUnspecified: true,
}));

/**
 * Emergency packages (issue 19, scenario S6: EM001 priced 8,000). Kept apart from demoCatalogue,
 * which the demo history draws its cases from, so adding them changes no generated history.
 */
export const emergencyPackages: readonly CataloguePackage[] = [
  { code: 'EM001', specialty: 'Emergency', name: 'Emergency stabilisation, unconscious patient (up to 3 days)', rupees: 8_000 },
];
